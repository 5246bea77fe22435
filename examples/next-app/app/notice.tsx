"use client";
// Flash values are read once, and reading removes them: that needs a response that can set cookies,
// so the page asks a Route Handler instead of reading it in the Server Component.
import { useEffect, useState } from "react";

export function Notice() {
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    fetch("/api/notice", { method: "POST" })
      .then((response) => response.json())
      .then((body: { notice: string | null }) => setNotice(body.notice));
  }, []);
  return notice === null ? null : <p id="notice">{notice}</p>;
}
