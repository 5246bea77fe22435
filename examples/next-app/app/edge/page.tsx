// A Server Component in the edge runtime: the same read.
import { cookies } from "next/headers";
import { sessions } from "../../lib/session";

export const runtime = "edge";

export default async function EdgePage() {
  const session = await sessions.read(await cookies());
  return (
    <p>
      <span id="user">{session.userId ?? "anonymous"}</span> on{" "}
      <span id="runtime">{process.env.NEXT_RUNTIME}</span>
    </p>
  );
}
