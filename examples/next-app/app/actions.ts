"use server";
// Server Actions: load the session from cookies(), change it, commit it, then redirect.
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { sessions } from "../lib/session";

export async function login(form: FormData) {
  const name = String(form.get("name") ?? "").trim();
  if (name === "") redirect("/");
  const jar = await cookies();
  const session = await sessions.load(jar);
  // ...check a password first; login() issues a new session id (no fixation).
  session.login(name);
  session.flash("notice", `Welcome, ${name}`);
  await sessions.commit(session, jar);
  redirect("/");
}

export async function logout() {
  const jar = await cookies();
  const session = await sessions.load(jar);
  // With a revocation store, destroy() also revokes the id: a copy of the cookie stops working.
  session.destroy();
  await sessions.commit(session, jar);
  redirect("/");
}
