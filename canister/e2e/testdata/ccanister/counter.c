/* A canister written in C and compiled by clang/wasm-ld: the engine must run modules that
 * our toolchain did not produce. Build: ./build.sh (needs Debian clang and lld). */
typedef unsigned int u32;
typedef unsigned long long u64;

#define IC0(name) __attribute__((import_module("ic0"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IC0("msg_reply_data_append") void ic0_msg_reply_data_append(u32 src, u32 size);
IC0("msg_reply") void ic0_msg_reply(void);
IC0("trap") void ic0_trap(u32 src, u32 size);
IC0("stable64_size") u64 ic0_stable64_size(void);
IC0("stable64_grow") u64 ic0_stable64_grow(u64 pages);
IC0("stable64_write") void ic0_stable64_write(u64 offset, u64 src, u64 size);
IC0("stable64_read") void ic0_stable64_read(u64 dst, u64 offset, u64 size);

static u64 counter;
static unsigned char reply[15] = {'D', 'I', 'D', 'L', 0, 1, 0x78};

static void reply_nat64(u64 v) {
	for (int i = 0; i < 8; i++) reply[7 + i] = (unsigned char)(v >> (8 * i));
	ic0_msg_reply_data_append((u32)(unsigned long)reply, sizeof reply);
	ic0_msg_reply();
}

EXPORT("canister_update increment") void increment(void) { counter++; reply_nat64(counter); }

EXPORT("canister_query get") void get(void) { reply_nat64(counter); }

/* Changes the counter, then traps: the change must be rolled back. */
EXPORT("canister_update fail") void fail(void) {
	static const char msg[] = "C canister: deliberate trap";
	counter += 100;
	ic0_trap((u32)(unsigned long)msg, sizeof msg - 1);
}

/* The heap does not survive an upgrade; the counter goes through stable memory. */
EXPORT("canister_pre_upgrade") void pre_upgrade(void) {
	if (ic0_stable64_size() == 0) ic0_stable64_grow(1);
	ic0_stable64_write(0, (u64)(unsigned long)&counter, sizeof counter);
}

EXPORT("canister_post_upgrade") void post_upgrade(void) {
	ic0_stable64_read((u64)(unsigned long)&counter, 0, sizeof counter);
}
