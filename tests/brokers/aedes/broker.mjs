// aedes for mqq's aedes test pass: `node broker.mjs PORT [USER:PASS …]` listens on
// 127.0.0.1:PORT (in-memory persistence, aedes' default) until killed. With users, only
// they may connect. Started by tests/support/broker.rs; installed by `npm ci` (.ci/run).
import net from 'node:net'
import { Aedes } from 'aedes'

const [port, ...users] = process.argv.slice(2)
const allowed = new Map(users.map((u) => {
  const i = u.indexOf(':')
  return [u.slice(0, i), u.slice(i + 1)]
}))
const opts = {}
if (allowed.size > 0) {
  opts.authenticate = (client, username, password, done) => {
    const ok = username !== undefined && allowed.get(username) === String(password ?? '')
    if (ok) return done(null, true)
    const err = new Error('bad user name or password')
    err.returnCode = 4
    done(err, false)
  }
}
const aedes = await Aedes.createBroker(opts)
net.createServer(aedes.handle).listen(Number(port), '127.0.0.1')
process.on('SIGTERM', () => aedes.close(() => process.exit(0)))
