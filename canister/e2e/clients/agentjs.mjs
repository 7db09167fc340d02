// agent-js (@dfinity/agent, unmodified, default settings) against a replica:
//   node agentjs.mjs <replica url> <stripe_backend canister id>
// A query (whose node signature agent-js verifies against the certified node keys), an
// update (certified reply through the subnet's delegation), read_state and CanisterStatus.
// Prints one line per check and exits non-zero on the first failure.
import assert from 'node:assert/strict';
import { Actor, CanisterStatus, HttpAgent, Certificate, lookupResultToBuffer } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

const [url, id] = process.argv.slice(2);
if (!url || !id) {
  console.error('usage: node agentjs.mjs <replica url> <canister id>');
  process.exit(2);
}
const canisterId = Principal.fromText(id);

// The stripe_backend methods the checks use.
const payment = IDL.Record({
  id: IDL.Text, status: IDL.Text, stripe_status: IDL.Text, payment_status: IDL.Text,
  amount_total: IDL.Opt(IDL.Int64), currency: IDL.Text, client_reference_id: IDL.Opt(IDL.Text),
  created: IDL.Int64, reason: IDL.Opt(IDL.Text), confirmed: IDL.Bool,
});
const header = IDL.Tuple(IDL.Text, IDL.Text);
const httpResponse = IDL.Record({
  status_code: IDL.Nat16, headers: IDL.Vec(header), body: IDL.Vec(IDL.Nat8), upgrade: IDL.Opt(IDL.Bool),
});
const idl = ({ IDL }) => IDL.Service({
  get_payment: IDL.Func([IDL.Text], [IDL.Opt(payment)], ['query']),
  http_request_update: IDL.Func([IDL.Record({
    method: IDL.Text, url: IDL.Text, headers: IDL.Vec(header), body: IDL.Vec(IDL.Nat8),
  })], [httpResponse], []),
});

async function check(name, f) {
  try {
    const detail = await f();
    console.log(`ok   ${name}${detail ? ': ' + detail : ''}`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    process.exit(1);
  }
}

// Default settings; a local network's root key is fetched (as dfx and icp-cli do for it).
const agent = await HttpAgent.create({ host: url, shouldFetchRootKey: true });
const actor = Actor.createActor(idl, { agent, canisterId });

await check('query (node signature verified)', async () => {
  const res = await actor.get_payment('cs_test_none');
  assert.deepEqual(res, []);
  return 'get_payment -> null';
});

await check('update (certified reply)', async () => {
  // A path inspect_message accepts (a missing page is refused before execution).
  const res = await actor.http_request_update({ method: 'GET', url: '/checkout/cs_test_agentjs', headers: [], body: [] });
  assert.equal(typeof res.status_code, 'number');
  return `http_request_update -> ${res.status_code}`;
});

await check('read_state (certified time, verified under the root key)', async () => {
  const path = [new TextEncoder().encode('time')];
  const res = await agent.readState(canisterId, { paths: [path] });
  const cert = await Certificate.create({ certificate: res.certificate, rootKey: agent.rootKey, canisterId });
  const time = lookupResultToBuffer(cert.lookup_path(path));
  assert.ok(time && time.length > 0, 'no /time');
  return `${res.certificate.byteLength}-byte certificate`;
});

await check('CanisterStatus (controllers, module hash, subnet, candid)', async () => {
  const status = await CanisterStatus.request({
    agent, canisterId, paths: ['controllers', 'module_hash', 'subnet', 'candid', 'time'],
  });
  const controllers = status.get('controllers');
  assert.ok(Array.isArray(controllers) && controllers.length > 0, 'no controllers');
  assert.match(status.get('module_hash') ?? '', /^[0-9a-f]{64}$/);
  const subnet = status.get('subnet');
  assert.ok(subnet && subnet.nodeKeys.size > 0, 'no subnet node keys');
  assert.match(status.get('candid') ?? '', /get_payment/);
  assert.ok(status.get('time') instanceof Date);
  return `subnet ${subnet.subnetId}, ${controllers.length} controller(s)`;
});
