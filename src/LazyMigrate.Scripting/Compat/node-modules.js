// Node-compatible modules for Auth0- and Authing-style scripts: require('bcrypt'), require('crypto'), require('pg'),
// require('mysql'), require('request'), require('axios'), fetch, setTimeout and a small Buffer. Each module starts
// at a "module:" marker line, so an error raised in here can name the module it came from (CompatModules).
// Evaluated inside the script's own engine; `host` holds the host functions and is reachable only from this closure.
(function (host) {
  'use strict';

  class Buffer extends Uint8Array {
    // new Buffer(string, encoding) and new Buffer(array), deprecated in Node but in Auth0's older templates.
    // A number or an ArrayBuffer goes to Uint8Array (slice and subarray construct through here too).
    constructor(value, encodingOrOffset, length) {
      if (typeof value === 'number' || value instanceof ArrayBuffer) { super(value, encodingOrOffset, length); return; }
      return toBuffer(host.bytes(value, typeof encodingOrOffset === 'string' ? encodingOrOffset : 'utf8'));
    }

    copy(target, targetStart, sourceStart, sourceEnd) {
      const part = this.subarray(sourceStart || 0, sourceEnd === undefined ? this.length : sourceEnd);
      const count = Math.min(part.length, target.length - (targetStart || 0));
      target.set(part.subarray(0, count), targetStart || 0);
      return count;
    }

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

  // module: bcrypt
  // hash(password, saltOrRounds, cb): a salt string ('$2a$10$...') from genSalt is used as given.
  function bcryptHash(password, salt) {
    return typeof salt === 'string' ? host.bcryptHashWithSalt(String(password), salt) : host.bcryptHash(String(password), typeof salt === 'number' ? salt : 10);
  }

  const bcrypt = {
    compare: function (password, hash, callback) { return withCallback(host.bcryptCompare(String(password), String(hash)), callback); },
    compareSync: function (password, hash) { return host.bcryptCompareSync(String(password), String(hash)); },
    genSalt: function (rounds, callback) {
      if (typeof rounds === 'function') { callback = rounds; rounds = 10; }
      let salt;
      try { salt = host.bcryptSalt(typeof rounds === 'number' ? rounds : 10); } catch (error) { return withCallback(Promise.reject(error), callback); }
      return withCallback(Promise.resolve(salt), callback);
    },
    genSaltSync: function (rounds) { return host.bcryptSalt(typeof rounds === 'number' ? rounds : 10); },
    hash: function (password, salt, callback) {
      let result;
      try { result = bcryptHash(password, salt); } catch (error) { result = Promise.reject(error); }
      return withCallback(result, callback);
    },
    hashSync: function (password, salt) {
      return typeof salt === 'string' ? host.bcryptHashWithSaltSync(String(password), salt) : host.bcryptHashSync(String(password), typeof salt === 'number' ? salt : 10);
    },
    getRounds: function (hash) { return parseInt(String(hash).split('$')[2], 10); },
  };

  // module: crypto
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
    // Node before 6 had no digest argument (SHA-1 then), and Auth0's older templates still call it that way.
    pbkdf2: function (password, salt, iterations, keylen, digest, callback) {
      if (typeof digest === 'function') { callback = digest; digest = 'sha1'; }
      let result;
      try { result = crypto.pbkdf2Sync(password, salt, iterations, keylen, digest); } catch (error) { callback(error); return; }
      callback(null, result);
    },
    randomBytes: function (size) { return toBuffer(host.randomBytes(size)); },
    timingSafeEqual: function (a, b) { return host.timingSafeEqual(host.bytes(a, 'utf8'), host.bytes(b, 'utf8')); },
  };

  // module: pg
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

  // Auth0's template: pg.connect(conString, function (err, client, done) { ... }). Its first sandbox's global
  // postgres was that function itself: postgres(conString, function (err, client, done) { ... }).
  const pg = function (config, callback) { return pg.connect(config, callback); };
  pg.Client = Client;
  pg.Pool = Pool;
  pg.connect = function (config, callback) {
    let client;
    try { client = new Client(config); } catch (error) { callback(error); return; }
    callback(null, client, function () {});
  };

  // module: mysql
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

  // module: tedious
  // The SQL Server driver Auth0's SQL Server, Azure SQL and ASP.NET Membership templates use, over db queries:
  // named @parameters become the adapter's positional @p0, @p1...; rows arrive as tedious' column arrays.
  const TYPES = {};
  ['Bit', 'TinyInt', 'SmallInt', 'Int', 'BigInt', 'Float', 'Real', 'Decimal', 'Numeric', 'Money', 'SmallMoney', 'VarChar', 'NVarChar', 'Char', 'NChar',
    'Text', 'NText', 'Date', 'DateTime', 'DateTime2', 'DateTimeOffset', 'SmallDateTime', 'Time', 'UniqueIdentifier', 'VarBinary', 'Binary', 'Image', 'Xml']
    .forEach(function (name) { TYPES[name] = { name: name, type: name.toUpperCase() }; });

  class Emitter {
    constructor() { this._listeners = {}; }
    on(event, listener) { (this._listeners[event] = this._listeners[event] || []).push(listener); return this; }
    once(event, listener) { const self = this; function once() { self.removeListener(event, once); listener.apply(undefined, arguments); } return this.on(event, once); }
    addListener(event, listener) { return this.on(event, listener); }
    removeListener(event, listener) { this._listeners[event] = (this._listeners[event] || []).filter(function (l) { return l !== listener; }); return this; }
    emit(event) {
      const args = Array.prototype.slice.call(arguments, 1);
      (this._listeners[event] || []).slice().forEach(function (listener) { listener.apply(undefined, args); });
      return true;
    }
  }

  class Request extends Emitter {
    constructor(sql, callback) { super(); this.sqlTextOrProcedure = String(sql); this._callback = callback; this._parameters = []; }
    addParameter(name, type, value) { this._parameters.push({ name: String(name).replace(/^@/, ''), type: type, value: value === undefined ? null : value }); }
    addOutputParameter() { throw new Error('output parameters are not supported; SELECT the value instead'); }
  }

  class Connection extends Emitter {
    constructor(config) {
      super();
      this.config = config || {};
      this._handle = null;
      this._connected = false;
      this._useColumnNames = Boolean(this.config.options && this.config.options.useColumnNames);
      // tedious before 10 connected on construction; later ones on connect(). Either way 'connect' comes once,
      // after the script has had the chance to listen for it.
      const self = this;
      Promise.resolve().then(function () { self._open(); });
    }

    _open() {
      if (this._connected) return;
      this._connected = true;
      let error = null;
      try { this._handle = host.open('sqlserver', this.config); } catch (e) { error = e; }
      this.emit('connect', error);
    }

    connect(callback) {
      if (typeof callback === 'function') {
        if (this._connected) { const self = this; Promise.resolve().then(function () { callback(self._handle ? null : new Error('the connection failed')); }); }
        else this.once('connect', callback);
      }
    }

    execSql(request) {
      const self = this;
      const names = request._parameters.map(function (p) { return p.name.toLowerCase(); });
      const sql = request.sqlTextOrProcedure.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, function (match, name) {
        const index = names.indexOf(name.toLowerCase());
        return index < 0 ? match : '@p' + index;
      });
      const values = request._parameters.map(function (p) { return p.value; });
      const run = this._handle ? host.query(this._handle, sql, values) : Promise.reject(new Error('the connection is not open'));
      run.then(function (rows) {
        const shaped = rows.map(function (row) {
          const columns = Object.keys(row).map(function (key) { return { value: row[key], metadata: { colName: key } }; });
          if (!self._useColumnNames) return columns;
          const byName = {};
          columns.forEach(function (column) { byName[column.metadata.colName] = column; });
          return byName;
        });
        shaped.forEach(function (columns) { request.emit('row', columns); });
        request.emit('doneInProc', shaped.length, true, shaped);
        request.emit('done', shaped.length, true, shaped);
        if (typeof request._callback === 'function') request._callback(null, shaped.length, shaped);
        request.emit('requestCompleted');
      }, function (error) {
        if (typeof request._callback === 'function') request._callback(error);
        else self.emit('error', error);
      });
    }

    execSqlBatch(request) { this.execSql(request); }
    close() { if (this._connected) this.emit('end'); }
    cancel() {}
  }

  const tedious = { Connection: Connection, Request: Request, TYPES: TYPES };

  // module: request
  // request, fetch and axios all end in the host's http.request: the connection's allow-list, no redirects, the
  // response cap and the call's deadline hold for each of them.
  function queryString(params) {
    if (typeof params === 'string') return params;
    return Object.keys(params || {}).filter(function (key) { return params[key] !== undefined; }).map(function (key) {
      return encodeURIComponent(key) + '=' + encodeURIComponent(params[key] === null ? '' : String(params[key]));
    }).join('&');
  }

  function withQuery(url, params) {
    const text = params ? queryString(params) : '';
    return text ? url + (url.indexOf('?') >= 0 ? '&' : '?') + text : url;
  }

  function hasHeader(headers, name) {
    return Object.keys(headers).some(function (key) { return key.toLowerCase() === name; });
  }

  function basic(user, pass) { return 'Basic ' + Buffer.from(String(user) + ':' + String(pass === undefined ? '' : pass)).toString('base64'); }

  function send(url, method, headers, body) {
    return host.http({ url: url, method: method, headers: headers, body: body });
  }

  function parseJson(text) {
    try { return JSON.parse(text); } catch (error) { return text; }
  }

  function requestOptions(uri, options, callback) {
    if (typeof options === 'function') { callback = options; options = undefined; }
    if (typeof uri === 'string') options = Object.assign({}, options || {}, { uri: uri });
    else options = Object.assign({}, uri || {});
    return { options: options, callback: callback };
  }

  function request(uri, options, callback) {
    const parsed = requestOptions(uri, options, callback);
    const opts = parsed.options;
    const done = typeof parsed.callback === 'function' ? parsed.callback : function () {};
    const headers = Object.assign({}, opts.headers || {});
    const auth = opts.auth;
    if (auth) {
      if (auth.bearer) headers.Authorization = 'Bearer ' + (typeof auth.bearer === 'function' ? auth.bearer() : auth.bearer);
      else headers.Authorization = basic(auth.user !== undefined ? auth.user : auth.username, auth.pass !== undefined ? auth.pass : auth.password);
    }

    let body = opts.body;
    if (opts.form !== undefined) {
      body = queryString(opts.form);
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else if (opts.json !== undefined && opts.json !== false) {
      if (!hasHeader(headers, 'accept')) headers.Accept = 'application/json';
      if (typeof opts.json === 'object' && opts.json !== null) body = opts.json;
      if (body !== undefined && !hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
      if (body !== undefined && typeof body !== 'string') body = JSON.stringify(body);
    } else if (body !== undefined && typeof body !== 'string') {
      body = Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
    }

    const url = withQuery(String(opts.uri || opts.url || ''), opts.qs);
    send(url, String(opts.method || 'GET').toUpperCase(), headers, body).then(function (answer) {
      const json = opts.json !== undefined && opts.json !== false;
      const responseBody = json && answer.body !== '' ? (answer.json !== undefined && answer.json !== null ? answer.json : parseJson(answer.body)) : answer.body;
      const response = { statusCode: answer.status, statusMessage: '', headers: answer.headers, body: responseBody, request: { uri: { href: url } } };
      done(null, response, responseBody);
    }, function (error) { done(error); });
    return undefined;
  }

  function verb(method) {
    return function (uri, options, callback) {
      const parsed = requestOptions(uri, options, callback);
      return request(Object.assign(parsed.options, { method: method }), parsed.callback);
    };
  }

  request.get = verb('GET');
  request.post = verb('POST');
  request.put = verb('PUT');
  request.patch = verb('PATCH');
  request.del = verb('DELETE');
  request.delete = verb('DELETE');
  request.head = verb('HEAD');
  request.defaults = function (defaults) {
    const wrapped = function (uri, options, callback) {
      const parsed = requestOptions(uri, options, callback);
      const merged = Object.assign({}, defaults, parsed.options, { headers: Object.assign({}, defaults.headers || {}, parsed.options.headers || {}) });
      return request(merged, parsed.callback);
    };
    ['get', 'post', 'put', 'patch', 'del', 'delete', 'head'].forEach(function (name) {
      const method = name === 'del' ? 'DELETE' : name.toUpperCase();
      wrapped[name] = function (uri, options, callback) {
        const parsed = requestOptions(uri, options, callback);
        return wrapped(Object.assign(parsed.options, { method: method }), parsed.callback);
      };
    });
    return wrapped;
  };

  // module: fetch
  function fetch(resource, init) {
    const options = init || {};
    const headers = {};
    const given = options.headers || {};
    if (typeof given.forEach === 'function' && !Array.isArray(given)) given.forEach(function (value, key) { headers[key] = value; });
    else if (Array.isArray(given)) given.forEach(function (pair) { headers[pair[0]] = pair[1]; });
    else Object.assign(headers, given);
    let body = options.body;
    if (body !== undefined && body !== null && typeof body !== 'string') body = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
    const url = typeof resource === 'string' ? resource : String(resource && resource.url);
    return send(url, String(options.method || 'GET').toUpperCase(), headers, body === null ? undefined : body).then(function (answer) {
      let used = false;
      function read() {
        if (used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
        used = true;
        return Promise.resolve(answer.body);
      }

      return {
        status: answer.status,
        ok: answer.status >= 200 && answer.status < 300,
        statusText: '',
        url: url,
        redirected: false,
        headers: {
          get: function (name) { const value = answer.headers[String(name).toLowerCase()]; return value === undefined ? null : value; },
          has: function (name) { return answer.headers[String(name).toLowerCase()] !== undefined; },
          forEach: function (fn) { Object.keys(answer.headers).forEach(function (key) { fn(answer.headers[key], key); }); },
        },
        get bodyUsed() { return used; },
        text: function () { return read(); },
        json: function () { return read().then(function (text) { return JSON.parse(text); }); },
      };
    });
  }

  // module: axios
  function axiosRequest(config) {
    const headers = Object.assign({}, config.headers || {});
    if (config.auth) headers.Authorization = basic(config.auth.username, config.auth.password);
    let body = config.data;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      body = JSON.stringify(body);
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    } else if (typeof body === 'string' && !hasHeader(headers, 'content-type')) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }

    const url = withQuery((config.baseURL ? String(config.baseURL).replace(/\/$/, '') + '/' + String(config.url || '').replace(/^\//, '') : String(config.url || '')), config.params);
    const method = String(config.method || 'get').toUpperCase();
    return send(url, method, headers, body === null ? undefined : body).then(function (answer) {
      const data = config.responseType === 'text' ? answer.body : (answer.json !== undefined && answer.json !== null ? answer.json : (answer.body === '' ? '' : parseJson(answer.body)));
      const response = { data: data, status: answer.status, statusText: '', headers: answer.headers, config: config };
      const valid = typeof config.validateStatus === 'function' ? config.validateStatus(answer.status) : answer.status >= 200 && answer.status < 300;
      if (valid) return response;
      const error = new Error('Request failed with status code ' + answer.status);
      error.response = response;
      error.isAxiosError = true;
      throw error;
    }, function (cause) {
      const error = new Error(cause && cause.message);
      error.isAxiosError = true;
      error.code = 'ECONNREFUSED';
      throw error;
    });
  }

  function createAxios(defaults) {
    const instance = function (urlOrConfig, config) {
      const given = typeof urlOrConfig === 'string' ? Object.assign({}, config || {}, { url: urlOrConfig }) : (urlOrConfig || {});
      return axiosRequest(Object.assign({}, defaults, given, { headers: Object.assign({}, defaults.headers || {}, given.headers || {}) }));
    };
    ['get', 'delete', 'head'].forEach(function (method) {
      instance[method] = function (url, config) { return instance(Object.assign({}, config || {}, { url: url, method: method })); };
    });
    ['post', 'put', 'patch'].forEach(function (method) {
      instance[method] = function (url, data, config) { return instance(Object.assign({}, config || {}, { url: url, method: method, data: data })); };
    });
    instance.create = function (more) { return createAxios(Object.assign({}, defaults, more || {})); };
    instance.defaults = defaults;
    instance.isAxiosError = function (error) { return Boolean(error && error.isAxiosError); };
    instance.default = instance;
    return instance;
  }

  const axios = createAxios({});

  // module: timers
  // Timers end with the call: one still pending at the deadline never fires.
  const cleared = new Set();
  let nextTimer = 1;
  function setTimeout(fn, delay) {
    const id = nextTimer++;
    const args = Array.prototype.slice.call(arguments, 2);
    host.delay(typeof delay === 'number' && delay > 0 ? delay : 0).then(function (fired) {
      if (fired && !cleared.has(id)) { cleared.add(id); fn.apply(undefined, args); }
    });
    return id;
  }

  function clearTimeout(id) { if (id !== undefined && id !== null) cleared.add(id); }

  const modules = { bcrypt: bcrypt, bcryptjs: bcrypt, crypto: crypto, pg: pg, mysql: mysql, request: request, axios: axios, 'node-fetch': fetch, tedious: tedious };
  return { modules: modules, Buffer: Buffer, merge: function (base, over) { return Object.assign({}, base, over); }, fetch: fetch, setTimeout: setTimeout, clearTimeout: clearTimeout };
})
