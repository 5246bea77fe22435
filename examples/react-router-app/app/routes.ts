import { index, layout, prefix, type RouteConfig, route } from "@react-router/dev/routes";

export default [
  // SessionStorage: getSession / commitSession / destroySession in loaders and actions.
  index("routes/home.tsx"),
  route("login", "routes/login.tsx"),
  route("logout", "routes/logout.tsx"),
  route("api/session", "routes/api.session.ts"),
  route("api/note", "routes/api.note.ts"),
  // Route middleware: the session is in the context, committed by the middleware.
  ...prefix("mw", [
    layout("routes/mw.tsx", [
      index("routes/mw.home.tsx"),
      route("login", "routes/mw.login.tsx"),
      route("account", "routes/mw.account.tsx"),
      route("api", "routes/mw.api.ts"),
      route("oops", "routes/mw.oops.tsx"),
    ]),
  ]),
] satisfies RouteConfig;
