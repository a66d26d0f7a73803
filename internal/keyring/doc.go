// Package keyring holds Serenade's encryption at rest: the master key
// versions kept outside the database, the data keys they wrap, AEAD
// sealing of field values, and the keyed blind index.
//
// Key hierarchy:
//
//	master key (file 0600 or environment, versioned)
//	  └─ wraps data keys (stored in the database, one per patient, plus system keys)
//	       └─ seal field values with AES-256-GCM
//
// Deleting a patient's data key makes every value sealed under it
// unreadable (crypto-shredding). Because a backup taken before the deletion
// still holds the wrapped key, the withdrawal also rotates the master key:
// the old master key is destroyed, so the backup's wrapped key opens
// nothing any more.
package keyring
