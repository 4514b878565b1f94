// Native login, getUser and listUsers for a MySQL/MariaDB legacy database. Adjust the table and column names to yours; keep the
// placeholders: parameters are always bound, never spliced into the SQL.
// Expects: users(id, email, username, password_hash, given_name, family_name, email_verified).

async function login(email, password, context) {
  const rows = await db.query(
    'SELECT id, email, username, password_hash, given_name, family_name, email_verified FROM users WHERE email = ?',
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
    'SELECT id, email, username, given_name, family_name, email_verified FROM users WHERE email = ?',
    [email]);
  return rows.length === 0 ? null : profile(rows[0]);
}

// listUsers: one page of users for a pull import (bulk import of everyone who never signed in). Keyset pagination on
// the id: each page starts after the last id of the previous one, so a page never skips or repeats a user while
// others are added, and a resumed import continues where it stopped. Return the legacy hash with each user: a
// self-describing string (bcrypt, argon2, {SSHA}...) as passwordHash, or a salted digest described like Auth0's
// custom_password_hash as customPasswordHash; without either the user is imported and must reset the password.
async function listUsers(cursor, limit, context) {
  const after = cursor === null ? 0 : Number(cursor);
  const rows = await db.query(
    'SELECT id, email, username, password_hash, given_name, family_name, email_verified FROM users WHERE id > ? ORDER BY id LIMIT ?',
    [after, limit]);
  return {
    users: rows.map(user => ({ ...profile(user), passwordHash: user.password_hash })),
    nextCursor: rows.length < limit ? null : String(rows[rows.length - 1].id),
  };
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
