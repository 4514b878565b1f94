// countUsers: how many users the legacy database holds, for the migration progress figures.
async function countUsers(context) {
  const rows = await db.query('SELECT count(*) AS total FROM users', []);
  return Number(rows[0].total);
}
