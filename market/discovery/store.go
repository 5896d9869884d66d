package discovery

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"
)

// CacheBucketPrefix prefixes the bbolt bucket of each network's cached
// listing; the bucket is CacheBucketPrefix + genesis hash (base64).
const CacheBucketPrefix = "market/discovery/listing/"

// BlocklistBucket holds the blocked provider addresses (all networks):
// address bytes → the reason, as text.
const BlocklistBucket = "market/discovery/blocklist"

var listingKey = []byte("listing")

func saveListing(db *bbolt.DB, l Listing) error {
	raw, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("discovery: encode listing: %w", err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(CacheBucketPrefix + l.Genesis))
		if err != nil {
			return err
		}
		return b.Put(listingKey, raw)
	}); err != nil {
		return fmt.Errorf("discovery: cache listing: %w", err)
	}
	return nil
}

func loadListing(db *bbolt.DB, genesis string) (l Listing, ok bool, err error) {
	err = db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(CacheBucketPrefix + genesis))
		if b == nil {
			return nil
		}
		raw := b.Get(listingKey)
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &l)
	})
	if err != nil {
		return Listing{}, false, fmt.Errorf("discovery: read cached listing: %w", err)
	}
	return l, ok, nil
}

// Block adds addr to the persistent blocklist with a reason.
func Block(db *bbolt.DB, addr types.Address, reason string) error {
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(BlocklistBucket))
		if err != nil {
			return err
		}
		return b.Put(addr[:], []byte(reason))
	}); err != nil {
		return fmt.Errorf("discovery: block %s: %w", addr, err)
	}
	return nil
}

// Unblock removes addr from the blocklist; removing an absent address is
// not an error.
func Unblock(db *bbolt.DB, addr types.Address) error {
	if err := db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BlocklistBucket))
		if b == nil {
			return nil
		}
		return b.Delete(addr[:])
	}); err != nil {
		return fmt.Errorf("discovery: unblock %s: %w", addr, err)
	}
	return nil
}

// Blocked is one blocklist entry.
type Blocked struct {
	Address types.Address
	Reason  string
}

// Blocklist returns the blocked addresses, sorted by address bytes.
func Blocklist(db *bbolt.DB) ([]Blocked, error) {
	var out []Blocked
	err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BlocklistBucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != len(types.Address{}) {
				return nil
			}
			var e Blocked
			copy(e.Address[:], k)
			e.Reason = string(v)
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("discovery: read blocklist: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i].Address[:]) < string(out[j].Address[:]) })
	return out, nil
}

// blockedSet returns the blocklist as a set (empty without a DB).
func blockedSet(db *bbolt.DB) (map[types.Address]bool, error) {
	set := map[types.Address]bool{}
	if db == nil {
		return set, nil
	}
	list, err := Blocklist(db)
	for _, e := range list {
		set[e.Address] = true
	}
	return set, err
}
