// countUsers: how many users the campaign's legacy table holds.
async function countUsers(context) {
  const rows = await db.query('SELECT count(*) AS total FROM users', []);
  return Number(rows[0].total);
}
