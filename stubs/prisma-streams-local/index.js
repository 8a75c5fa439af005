// `prisma dev` starts a local Prisma Postgres whose streams server stores its data with node:sqlite,
// which Node 20 does not have; the real package fails on Node 20 at the same call. OpsGraph runs on
// embedded PGlite or DATABASE_URL instead (README: Run it, Administering the database).
export function startLocalDurableStreamsServer() {
  return Promise.reject(
    new Error(
      '`prisma dev` needs Node 22 or later (Prisma Streams uses node:sqlite). OpsGraph does not use it: ' +
        '`npm start` runs on embedded PGlite, or set DATABASE_URL to a PostgreSQL server.',
    ),
  );
}
