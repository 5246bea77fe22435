// Route middleware form: every route under /mw gets the session from the context, and the
// middleware commits it onto whatever response the request ends in.
import { Outlet } from "react-router";
import { sessions } from "../sessions.server";
import type { Route } from "./+types/mw";

export const middleware: Route.MiddlewareFunction[] = [sessions.middleware];

export default function SessionLayout() {
  return <Outlet />;
}
