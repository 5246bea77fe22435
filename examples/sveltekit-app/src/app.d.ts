// Types `event.locals.session` in every hook, load, action and endpoint of the app.
import type { SessionLocals } from "sealed-session/sveltekit";

declare global {
  namespace App {
    interface Locals extends SessionLocals<{ views: number; note: string }, { notice: string }> {}
  }
}
