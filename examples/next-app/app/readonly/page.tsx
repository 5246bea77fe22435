// What a Server Component may not do, and how it fails: loudly, never silently.
import { cookies } from "next/headers";
import { sessions } from "../../lib/session";

export default async function ReadOnly({ searchParams }: { searchParams: Promise<{ try?: string }> }) {
  const { try: attempt } = await searchParams;
  const jar = await cookies();
  if (attempt === "mutate") {
    const session = await sessions.read(jar);
    // @ts-expect-error: data is read-only here; at run time the frozen object throws.
    session.data.count = 1;
  }
  if (attempt === "commit") {
    const session = await sessions.load(jar);
    session.data.count = 1;
    // cookies().set throws in a Server Component: the error reaches Next (a 500), nothing is lost quietly.
    await sessions.commit(session, jar);
  }
  return <p id="readonly">nothing attempted</p>;
}
