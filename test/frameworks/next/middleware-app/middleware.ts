// Before Next 16 (and on the edge runtime in 16): the same call, in middleware.ts.
import { type NextRequest, NextResponse } from "next/server";
import { nextSessions } from "sealed-session/next";

const sessions = nextSessions(() => ({ secrets: process.env.SESSION_SECRETS ?? "", idleTimeout: 60 * 60 }));

export async function middleware(request: NextRequest) {
  const response = await sessions.proxy(request, (init) => NextResponse.next(init));
  // Only so the test can tell which runtime ran this.
  response.headers.set("x-interceptor-runtime", process.env.NEXT_RUNTIME ?? "unknown");
  return response;
}

export const config = { matcher: ["/"] };
