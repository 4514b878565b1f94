// login: the campaign's legacy users table, one hash format per row (bench/LazyMigrate.CampaignBench).
// Self-describing hashes (bcrypt, argon2 and pbkdf2 PHC strings, phpass, ASP.NET Identity) name their own format;
// the salted SHA-256 and MD5 ones are described like Auth0's custom_password_hash.
async function login(email, password, context) {
  const rows = await db.query(
    `SELECT ${columns()} FROM users WHERE lower(email) = lower($1) OR lower(username) = lower($1)`, [email]);
  if (rows.length === 0) {
    return null;
  }

  const user = rows[0];
  let valid;
  switch (user.hash_format) {
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
    case 'none':
      valid = false;
      break;
    default:
      valid = await crypto.verifyPassword(password, user.password_hash);
  }

  if (!valid) {
    throw new WrongUsernameOrPasswordError(email);
  }

  return profile(user);
}

function columns() {
  return `id, email, username, first_name, last_name, display_name, phone, email_verified, locale, newsletter, plan,
          to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created, hash_format, password_hash, password_salt`;
}

function profile(user) {
  return {
    id: String(user.id),
    email: user.email,
    emailVerified: user.email_verified,
    username: user.username,
    givenName: user.first_name,
    familyName: user.last_name,
    name: user.display_name,
    phoneNumber: user.phone,
    userMetadata: { locale: user.locale, newsletter: user.newsletter },
    appMetadata: { plan: user.plan, legacyCreatedAt: user.created },
  };
}
