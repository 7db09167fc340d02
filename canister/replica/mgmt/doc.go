// Package mgmt is the management canister (aaaaa-aa) of the local replica, at the current
// interface: canister lifecycle (create, install, upgrade, chunked install, start/stop/delete),
// every field of canister_settings (stored and enforced by the engine) and of
// canister_status, fetch_canister_logs (a query, honouring log_visibility), canister
// snapshots (take, load, list, delete, and their download and upload: read and upload of
// metadata and data), canister_info, raw_rand and HTTPS outcalls, with controllers enforced
// and cycles charged the way a 13-node IC subnet charges them.
package mgmt
