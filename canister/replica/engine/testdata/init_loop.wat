;; canister_init never ends: install must stop at the install instruction limit.
(module
  (func (export "canister_init") (loop $l (br $l)))
)
