// Package mgmt is the management canister (aaaaa-aa) of the local replica: canister
// lifecycle (create, install, upgrade, chunked install, start/stop/delete, settings,
// status), raw_rand and HTTPS outcalls, with controllers enforced and cycles charged the
// way a 13-node IC subnet charges them.
package mgmt
