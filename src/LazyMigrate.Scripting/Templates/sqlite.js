// Native login and getUser for a SQLite legacy database. Adjust the table and column names to yours; keep the
// placeholders: parameters are always bound, never spliced into the SQL.
// Expects: users(id, email, username, password_hash, given_name, family_name, email_verified).

async function login(email, password, context) {
  const rows = await db.query(
    'SELECT id, email, username, password_hash, given_name, family_name, email_verified FROM users WHERE email = ? COLLATE NOCASE',
    [email]);
  if (rows.length === 0) {
    return null;
  }

  const user = rows[0];
  // The format is read from the hash itself (bcrypt, argon2, pbkdf2, scrypt, {SSHA}...); name it when it cannot be.
  if (!(await crypto.verifyPassword(password, user.password_hash))) {
    throw new WrongUsernameOrPasswordError(email);
  }

  return profile(user);
}

async function getUser(email, context) {
  const rows = await db.query(
    'SELECT id, email, username, given_name, family_name, email_verified FROM users WHERE email = ? COLLATE NOCASE',
    [email]);
  return rows.length === 0 ? null : profile(rows[0]);
}

function profile(user) {
  return {
    id: String(user.id),
    email: user.email,
    emailVerified: Boolean(user.email_verified),
    username: user.username,
    givenName: user.given_name,
    familyName: user.family_name,
  };
}
