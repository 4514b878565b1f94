// Node-compatible modules for Auth0-style scripts: require('bcrypt'), require('crypto'), require('pg'),
// require('mysql') and a small Buffer. Evaluated inside the script's own engine; `host` holds the host functions
// and is reachable only from this closure.
(function (host) {
  'use strict';

  class Buffer extends Uint8Array {
    toString(encoding) { return host.encode(this, encoding || 'utf8'); }
    equals(other) { return host.equal(this, other); }
    static from(value, encoding) { return toBuffer(host.bytes(value, encoding || 'utf8')); }
    static isBuffer(value) { return value instanceof Buffer; }
    static alloc(size) { return toBuffer(new Uint8Array(size)); }
    static concat(list) { return toBuffer(host.concat(list)); }
    static byteLength(value, encoding) { return host.bytes(value, encoding || 'utf8').length; }
  }

  function toBuffer(bytes) { return Object.setPrototypeOf(bytes, Buffer.prototype); }

  function withCallback(promise, callback) {
    if (typeof callback !== 'function') return promise;
    promise.then(function (value) { callback(null, value); }, function (error) { callback(error); });
    return undefined;
  }

  const bcrypt = {
    compare: function (password, hash, callback) { return withCallback(host.bcryptCompare(String(password), String(hash)), callback); },
    compareSync: function (password, hash) { return host.bcryptCompareSync(String(password), String(hash)); },
    hash: function (password, rounds, callback) { return withCallback(host.bcryptHash(String(password), typeof rounds === 'number' ? rounds : 10), callback); },
    hashSync: function (password, rounds) { return host.bcryptHashSync(String(password), typeof rounds === 'number' ? rounds : 10); },
  };

  function digestOf(update) {
    const chunks = [];
    return {
      update: function (data, encoding) { chunks.push(host.bytes(data, encoding || 'utf8')); return this; },
      digest: function (encoding) {
        const out = toBuffer(update(host.concat(chunks)));
        return encoding ? out.toString(encoding) : out;
      },
    };
  }

  const crypto = {
    createHash: function (algorithm) { return digestOf(function (data) { return host.digest(algorithm, data); }); },
    createHmac: function (algorithm, key) {
      const keyBytes = host.bytes(key, 'utf8');
      return digestOf(function (data) { return host.hmac(algorithm, keyBytes, data); });
    },
    pbkdf2Sync: function (password, salt, iterations, keylen, digest) {
      return toBuffer(host.pbkdf2(host.bytes(password, 'utf8'), host.bytes(salt, 'utf8'), iterations, keylen, digest || 'sha1'));
    },
    pbkdf2: function (password, salt, iterations, keylen, digest, callback) {
      let result;
      try { result = crypto.pbkdf2Sync(password, salt, iterations, keylen, digest); } catch (error) { callback(error); return; }
      callback(null, result);
    },
    randomBytes: function (size) { return toBuffer(host.randomBytes(size)); },
    timingSafeEqual: function (a, b) { return host.timingSafeEqual(host.bytes(a, 'utf8'), host.bytes(b, 'utf8')); },
  };

  class Client {
    constructor(config) { this._handle = host.open('postgres', typeof config === 'string' ? { connectionString: config } : (config || {})); }
    connect(callback) { return withCallback(Promise.resolve(this), callback && function (error) { callback(error || null); }); }
    query(text, values, callback) {
      if (text !== null && typeof text === 'object') { callback = values; values = text.values; text = text.text; }
      if (typeof values === 'function') { callback = values; values = []; }
      const result = host.query(this._handle, String(text), values || []).then(function (rows) { return { rows: rows, rowCount: rows.length }; });
      return withCallback(result, callback);
    }
    end(callback) { return withCallback(Promise.resolve(), callback); }
    release() {}
  }

  class Pool {
    constructor(config) { this._config = config; }
    connect(callback) {
      let client;
      try { client = new Client(this._config); } catch (error) { if (callback) { callback(error); return undefined; } return Promise.reject(error); }
      if (typeof callback === 'function') { callback(null, client, function () {}); return undefined; }
      return Promise.resolve(client);
    }
    query(text, values, callback) { return new Client(this._config).query(text, values, callback); }
    end(callback) { return withCallback(Promise.resolve(), callback); }
  }

  const pg = {
    Client: Client,
    Pool: Pool,
    // Auth0's template: pg.connect(conString, function (err, client, done) { ... })
    connect: function (config, callback) {
      let client;
      try { client = new Client(config); } catch (error) { callback(error); return; }
      callback(null, client, function () {});
    },
  };

  function createConnection(config) {
    const handle = host.open('mysql', config || {});
    return {
      connect: function (callback) { if (typeof callback === 'function') callback(null); },
      query: function (sql, values, callback) {
        if (typeof values === 'function') { callback = values; values = []; }
        const rows = host.query(handle, String(sql), values || []);
        if (typeof callback !== 'function') return rows;
        rows.then(function (result) { callback(null, result, []); }, function (error) { callback(error); });
        return undefined;
      },
      end: function (callback) { if (typeof callback === 'function') callback(null); },
      destroy: function () {},
    };
  }

  // Auth0's template calls the module itself: mysql({host, user, password, database}).
  const mysql = function (config) { return createConnection(config); };
  mysql.createConnection = createConnection;
  mysql.createPool = createConnection;

  return { modules: { bcrypt: bcrypt, bcryptjs: bcrypt, crypto: crypto, pg: pg, mysql: mysql }, Buffer: Buffer };
})
