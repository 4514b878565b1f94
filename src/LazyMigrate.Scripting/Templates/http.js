// Native login, getUser and listUsers against a legacy web service. Put the service's host on the connection's HTTP
// allow-list and its base URL in the setting LEGACY_API_URL (secrets such as LEGACY_API_KEY are redacted in logs).

async function login(email, password, context) {
  const response = await http.request({
    url: configuration.LEGACY_API_URL + '/login',
    method: 'POST',
    headers: { 'x-api-key': configuration.LEGACY_API_KEY || '' },
    body: { email: email, password: password },
  });
  if (response.status === 404) {
    return null;
  }

  if (response.status === 401) {
    throw new WrongUsernameOrPasswordError(email);
  }

  if (response.status !== 200) {
    throw new Error('legacy service answered ' + response.status);
  }

  return profile(response.json);
}

async function getUser(email, context) {
  const response = await http.request({
    url: configuration.LEGACY_API_URL + '/users?email=' + encodeURIComponent(email),
    headers: { 'x-api-key': configuration.LEGACY_API_KEY || '' },
  });
  if (response.status === 404) {
    return null;
  }

  if (response.status !== 200) {
    throw new Error('legacy service answered ' + response.status);
  }

  return profile(response.json);
}

// listUsers: one page of users for a pull import. The service pages by an opaque cursor it hands back (keyset on its
// own ids); each user carries its legacy hash as passwordHash (bcrypt, argon2, {SSHA}...) or customPasswordHash (an
// Auth0 custom_password_hash object), or neither (the user will reset the password).
async function listUsers(cursor, limit, context) {
  const query = '?limit=' + limit + (cursor === null ? '' : '&after=' + encodeURIComponent(cursor));
  const response = await http.request({
    url: configuration.LEGACY_API_URL + '/users' + query,
    headers: { 'x-api-key': configuration.LEGACY_API_KEY || '' },
  });
  if (response.status !== 200) {
    throw new Error('legacy service answered ' + response.status);
  }

  return {
    users: response.json.users.map(user => ({
      ...profile(user),
      passwordHash: user.passwordHash,
      customPasswordHash: user.customPasswordHash,
    })),
    nextCursor: response.json.nextCursor || null,
  };
}

function profile(user) {
  return {
    id: String(user.id),
    email: user.email,
    emailVerified: Boolean(user.emailVerified),
    name: user.name,
  };
}
