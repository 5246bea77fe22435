import type { Router } from "express";
import type { Payload } from "../payload.ts";

export function expressSessionRouter(options: {
  client: unknown;
  secret: string;
  payload: () => Payload;
}): Router;
