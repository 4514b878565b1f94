// getUser: does the demo legacy database know this email (or username)? Used by registration and password reset.
async function getUser(email, context) {
  const rows = await db.query(
    `SELECT id, email, username, first_name, last_name, phone, email_verified
       FROM users
      WHERE lower(email) = lower($1) OR lower(username) = lower($1)`,
    [email]);
  if (rows.length === 0) {
    return null;
  }

  const user = rows[0];
  return {
    id: String(user.id),
    email: user.email,
    emailVerified: user.email_verified,
    username: user.username,
    givenName: user.first_name,
    familyName: user.last_name,
    name: user.first_name + ' ' + user.last_name,
    phoneNumber: user.phone,
  };
}
