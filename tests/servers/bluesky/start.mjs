#!/usr/bin/env node
// Runs the reference Bluesky PDS (@atproto/pds) and an in-memory PLC directory
// (@did-plc/server) in one Node process, offline and bound to 127.0.0.1 only,
// for wagtail-crosspost's integration tests.
//
//   node start.mjs [--data-dir DIR] [--remove-data-dir] [--pds-port N] [--plc-port N] [--ignore-stdin]
//
// Environment fallbacks: BLUESKY_PDS_DATA_DIR, BLUESKY_PDS_PORT, BLUESKY_PLC_PORT
// (port 0 or unset = pick a free port). Without a data dir a temporary one is
// created and removed on exit; --remove-data-dir removes a given one on exit too.
//
// When both servers answer, ONE line of JSON goes to stdout:
//   {"pds":"http://localhost:P","plc":"http://localhost:Q","version":"0.4.217","admin_password":"...",
//    "pds_port":P,"plc_port":Q,"data_dir":"...","pid":N}
// Nothing else is ever written to stdout (server logs are off unless LOG_ENABLED=true,
// and then go to LOG_DESTINATION or <data dir>/pds.log).
//
// The process exits on SIGTERM/SIGINT, and when its stdin reaches EOF, so that a
// parent test process that dies (and so closes the pipe) never leaves it orphaned.
// Pass --ignore-stdin to run it by hand in the background.

import crypto from 'node:crypto'
import dns from 'node:dns'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const LOOPBACK = '127.0.0.1'
const require = createRequire(import.meta.url)

function fail(message) {
  process.stderr.write(`start.mjs: ${message}\n`)
  process.exit(2)
}

function parseArgs(argv) {
  const opts = {
    dataDir: process.env.BLUESKY_PDS_DATA_DIR || '',
    pdsPort: process.env.BLUESKY_PDS_PORT || '0',
    plcPort: process.env.BLUESKY_PLC_PORT || '0',
    ignoreStdin: false,
    removeDataDir: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined]
    const value = () => (inline !== undefined ? inline : argv[++i])
    if (flag === '--data-dir') opts.dataDir = value()
    else if (flag === '--pds-port') opts.pdsPort = value()
    else if (flag === '--plc-port') opts.plcPort = value()
    else if (flag === '--ignore-stdin') opts.ignoreStdin = true
    else if (flag === '--remove-data-dir') opts.removeDataDir = true
    else if (flag === '-h' || flag === '--help') {
      process.stderr.write(
        'usage: node start.mjs [--data-dir DIR] [--remove-data-dir] [--pds-port N] [--plc-port N] [--ignore-stdin]\n',
      )
      process.exit(0)
    } else fail(`unknown argument: ${arg}`)
  }
  for (const key of ['pdsPort', 'plcPort']) {
    const n = Number(opts[key])
    if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`bad port for ${key}: ${opts[key]}`)
    opts[key] = n
  }
  return opts
}

// Both libraries call `app.listen(port)` without a host, which binds every
// interface. While they start, make any host-less listen() bind 127.0.0.1 instead.
// The patch is scoped to the start-up calls and removed right after.
async function withLoopbackListen(fn) {
  const original = net.Server.prototype.listen
  net.Server.prototype.listen = function listenLoopback(...args) {
    const [first] = args
    if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      // listen(port[, host][, backlog][, cb]): add the host when it is missing.
      if (typeof args[1] !== 'string') args.splice(1, 0, LOOPBACK)
    } else if (first && typeof first === 'object' && !('fd' in first) && !('path' in first)) {
      if (!first.host) args[0] = { ...first, host: LOOPBACK }
    } else if (first === undefined || typeof first === 'function') {
      args.unshift(0, LOOPBACK)
    }
    return original.apply(this, args)
  }
  try {
    return await fn()
  } finally {
    net.Server.prototype.listen = original
  }
}

// The PDS must know its own port before it starts (it is part of its public URL
// and DID document), so for port 0 ask the kernel for a free one on loopback.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, LOOPBACK, () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const opts = parseArgs(process.argv.slice(2))

let ownsDataDir = opts.removeDataDir
let dataDir = opts.dataDir
if (!dataDir) {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bluesky-pds-'))
  ownsDataDir = true
}
dataDir = path.resolve(dataDir)
fs.mkdirSync(path.join(dataDir, 'blobs'), { recursive: true })

// Logging: off by default; when enabled never on stdout (it carries the JSON line).
if (['true', 't', '1'].includes(process.env.LOG_ENABLED ?? '') && !process.env.LOG_DESTINATION) {
  process.env.LOG_DESTINATION = path.join(dataDir, 'pds.log')
}

// `localhost` must resolve to the address the servers are bound to.
dns.setDefaultResultOrder('ipv4first')

const adminPassword = crypto.randomBytes(16).toString('hex')

let plc
let pds
let shuttingDown = false

async function shutdown(code = 0) {
  if (shuttingDown) return
  shuttingDown = true
  const hardExit = setTimeout(() => process.exit(code), 5000)
  hardExit.unref()
  try {
    await pds?.destroy()
  } catch (err) {
    process.stderr.write(`start.mjs: PDS shutdown: ${err?.stack ?? err}\n`)
  }
  try {
    await plc?.destroy()
  } catch (err) {
    process.stderr.write(`start.mjs: PLC shutdown: ${err?.stack ?? err}\n`)
  }
  if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true })
  process.exit(code)
}

process.on('SIGTERM', () => shutdown(0))
process.on('SIGINT', () => shutdown(0))
if (!opts.ignoreStdin) {
  process.stdin.on('end', () => shutdown(0))
  process.stdin.on('error', () => shutdown(0))
  process.stdin.resume()
}

try {
  // Imported only now: both read LOG_* from the environment at import time.
  const { PlcServer, Database } = require('@did-plc/server')
  const { PDS, envToCfg, envToSecrets, readEnv } = require('@atproto/pds')

  plc = PlcServer.create({ db: Database.mock(), port: opts.plcPort })
  const plcServer = await withLoopbackListen(() => plc.start())
  const plcPort = plcServer.address().port
  const plcUrl = `http://localhost:${plcPort}`

  const pdsVersion = require('@atproto/pds/package.json').version
  let pdsServer
  // A port picked by freePort() could be taken again before the PDS binds it: retry then.
  for (let attempt = 1; ; attempt++) {
    const pdsPort = opts.pdsPort || (await freePort())
    Object.assign(process.env, {
      PDS_VERSION: pdsVersion, // reported by /xrpc/_health
      PDS_HOSTNAME: 'localhost',
      PDS_PORT: String(pdsPort),
      PDS_DATA_DIRECTORY: dataDir,
      PDS_BLOBSTORE_DISK_LOCATION: path.join(dataDir, 'blobs'),
      PDS_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
      PDS_ADMIN_PASSWORD: adminPassword,
      PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: crypto.randomBytes(32).toString('hex'),
      PDS_DID_PLC_URL: plcUrl,
      PDS_DEV_MODE: 'true',
      PDS_INVITE_REQUIRED: 'false',
      PDS_CRAWLERS: '',
    })
    const env = readEnv()
    pds = await PDS.create(envToCfg(env), envToSecrets(env))
    try {
      pdsServer = await withLoopbackListen(() => pds.start())
      break
    } catch (err) {
      if (err?.code !== 'EADDRINUSE' || opts.pdsPort || attempt >= 5) throw err
      await pds.destroy().catch(() => {})
      pds = undefined
    }
  }
  const pdsUrl = `http://localhost:${pdsServer.address().port}`

  // Both answer before we announce readiness.
  for (const url of [`${pdsUrl}/xrpc/_health`, `${plcUrl}/_health`]) {
    const res = await fetch(url)
    if (!res.ok) throw new Error(`${url} answered ${res.status}`)
  }

  process.stdout.write(
    `${JSON.stringify({
      pds: pdsUrl,
      plc: plcUrl,
      version: pdsVersion,
      admin_password: adminPassword,
      pds_port: pdsServer.address().port,
      plc_port: plcPort,
      data_dir: dataDir,
      pid: process.pid,
    })}\n`,
  )
} catch (err) {
  process.stderr.write(`start.mjs: failed to start: ${err?.stack ?? err}\n`)
  await shutdown(1)
}
