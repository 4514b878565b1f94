// login: does the demo legacy database know this email (or username) with this password?
// Returns the profile to import, null for an unknown user, or throws WrongUsernameOrPasswordError.
async function login(email, password, context) {
  const rows = await db.query(
    `SELECT id, email, username, first_name, last_name, phone, email_verified,
            hash_algorithm, password_hash, password_salt
       FROM users
      WHERE lower(email) = lower($1) OR lower(username) = lower($1)`,
    [email]);
  if (rows.length === 0) {
    return null;
  }

  const user = rows[0];
  let valid;
  switch (user.hash_algorithm) {
    case 'bcrypt':
      valid = await crypto.verifyPassword(password, user.password_hash, 'bcrypt');
      break;
    case 'sha256':
      valid = await crypto.verifyPassword(password, user.password_hash, {
        algorithm: 'sha256',
        hash: { encoding: 'hex' },
        salt: { value: user.password_salt, encoding: 'utf8', position: 'prefix' },
      });
      break;
    case 'md5':
      valid = await crypto.verifyPassword(password, user.password_hash, { algorithm: 'md5', hash: { encoding: 'hex' } });
      break;
    default:
      log.error('unknown hash algorithm ' + user.hash_algorithm + ' for user ' + user.id);
      valid = false;
  }

  if (!valid) {
    throw new WrongUsernameOrPasswordError(email);
  }

  log.info('legacy user ' + user.id + ' verified with ' + user.hash_algorithm);
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
