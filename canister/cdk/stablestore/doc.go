// Package stablestore is an ordered byte key-value store that lives in stable memory: a
// B+tree of 8 KiB pages in a region of the canister's stable memory, so a canister keeps
// its data across upgrades without a pre_upgrade dump and post_upgrade only reads a
// 64-byte header (Open costs the same for ten entries or ten million).
//
// # Layout
//
// The region starts at an offset chosen by the caller (the memory below it is never
// touched, so a canister can keep other data there) and extends to the end of stable
// memory. Page 0 of the region holds the header (magic, format version, root page,
// height, free list, entry count, CRC); the other pages are tree nodes or free pages.
// Nodes are slotted pages: a sorted array of cell offsets and cells with the key and,
// in leaves, the value inline (keys up to MaxKeyLen, values up to MaxValueLen: every cell
// is below half a page, so every split yields two valid nodes and no overflow pages are
// needed). Branch separators are the shortest keys that separate two leaves.
//
// Splits balance the bytes of the two halves, except at the right edge of the tree where
// ascending keys (sequence numbers, queues) keep the left node full. Deletes merge a node
// that fell below a quarter full with a sibling, or share the sibling's cells when both
// do not fit in one node; freed pages go on a free list that later allocations use
// first. Every operation reads and writes O(height) pages; with 1,000,000 entries of
// 74-byte keys and 300-byte values the tree has 3 levels (a Get reads 3 pages, an insert
// writes 1.1 on average) and takes 531 MiB.
//
// # Determinism and traps
//
// The bytes written depend only on the sequence of operations (no randomness, no maps,
// no addresses), so every replica of a canister holds identical stable memory. The store
// keeps no journal: on the Internet Computer a trap rolls back stable memory and the heap
// together, so what must hold is that an operation that fails does so before it writes.
// Put and Remove validate sizes and grow the memory for the worst case first; after that
// nothing can fail except a broken Memory, which panics (a trap). Only operations that may
// allocate need the memory to grow: overwrites and inserts that fit in their leaf, and
// deletes that leave it at least a quarter full, still work when it cannot.
//
// # Certified map
//
// Store.Merkle is a second structure in the same region: an ordered map of labels to small
// values whose IC hash tree root (a forest of Labeled nodes) is always ready, for a
// canister's certified data, and whose witness for one label costs one root-to-leaf path.
// It is a leaf-oriented AVL tree of 192-byte nodes in pages from the store's allocator,
// each inner node keeping its children's subtree hashes (merkle.go says why not the B+tree's
// pages). At 1,000,000 labels an insert rehashes about 21 Fork nodes and reads and writes
// as many nodes; a witness reads them. Open still reads only the header; the map's meta
// page is read on the first call of Store.Merkle.
//
// # Use
//
//	st, err := stablestore.Open(cdk.Stable(), 0) // in init and post_upgrade
//	st.Set(key, value)
//	v, ok := st.Get(key)
//	st.Ascend(from, func(k, v []byte) bool { ...; return true })
//
// Store's Get, Set, Delete, Ascend and Len have the shape of payments.Store (which this
// package does not import). Buffer is an in-memory Memory for native tests.
package stablestore
