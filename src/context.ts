export type Viewer = { id: string; organisationId: string };

/** What a resolver may know about the request it serves. */
export type Context = {
  viewer: Viewer | null;
};
