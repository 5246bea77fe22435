// The request interceptor (Next 16's proxy.ts; middleware.ts before): refreshes an idle session or
// re-seals one made with an older secret, and forwards the new cookie on the request, so the page
// rendered for this very request reads what the browser now holds.
import { type NextRequest, NextResponse } from "next/server";
import { sessions } from "./lib/session";

export function proxy(request: NextRequest) {
  return sessions.proxy(request, (init) => NextResponse.next(init));
}

// Pages only: the route handlers under /api load and commit the session themselves.
export const config = { matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"] };
