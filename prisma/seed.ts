import { connectDb, system } from '../src/db.js';
import { seedDemo } from '../src/database/seed.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set: point it at the database to seed.');
  process.exit(1);
}
const db = connectDb(url, { poolSize: 2 });
try {
  const { created } = await seedDemo(system);
  console.log(
    created === 0 ? 'The demo organisation is already loaded.' : `Loaded the demo organisation (${created} rows).`,
  );
} finally {
  await db.$disconnect();
}
