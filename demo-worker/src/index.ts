// Placeholder replaced by the demo issue.
export default {
  async fetch(): Promise<Response> {
    return new Response("sealed-session demo");
  },
};
