/* strmap.c - an open-addressing hash map from words to dense slot numbers, used by the
 * vocabulary (word -> column) and its builder (word -> counter). */
#include "soso_internal.h"

#include <stdlib.h>
#include <string.h>

uint64_t soso__hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a final mix for the low bits */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

soso_status soso__strmap_init(soso__strmap *m, size_t expected)
{
    memset(m, 0, sizeof *m);
    size_t cap = 64;
    while (cap < expected * 2) {
        if (cap > ((size_t)1 << 40)) return soso__fail(SOSO_E_LIMIT, "too many words");
        cap *= 2;
    }
    m->table = soso__calloc_array(cap, sizeof *m->table);
    if (!m->table) return soso__fail(SOSO_E_NOMEM, "out of memory for a word table");
    m->capacity = cap;
    return SOSO_OK;
}

void soso__strmap_free(soso__strmap *m)
{
    if (!m) return;
    free(m->table);
    free(m->arena);
    free(m->key_off);
    free(m->key_len);
    memset(m, 0, sizeof *m);
}

/* Position in the table where key is, or the empty position where it would go. */
static size_t probe(const soso__strmap *m, const char *key, size_t len)
{
    size_t mask = m->capacity - 1;
    size_t pos = (size_t)soso__hash_bytes(key, len) & mask;
    for (;;) {
        uint32_t e = m->table[pos];
        if (e == 0) return pos;
        uint32_t slot = e - 1;
        if (m->key_len[slot] == len && memcmp(m->arena + m->key_off[slot], key, len) == 0) return pos;
        pos = (pos + 1) & mask;
    }
}

int64_t soso__strmap_find(const soso__strmap *m, const char *key, size_t len)
{
    if (!m->table) return -1;
    uint32_t e = m->table[probe(m, key, len)];
    return e ? (int64_t)(e - 1) : -1;
}

static soso_status grow(soso__strmap *m)
{
    size_t cap = m->capacity * 2;
    uint32_t *t = soso__calloc_array(cap, sizeof *t);
    if (!t) return soso__fail(SOSO_E_NOMEM, "out of memory growing a word table");
    size_t mask = cap - 1;
    for (size_t slot = 0; slot < m->count; slot++) {
        size_t pos = (size_t)soso__hash_bytes(m->arena + m->key_off[slot], m->key_len[slot]) & mask;
        while (t[pos]) pos = (pos + 1) & mask;
        t[pos] = (uint32_t)slot + 1;
    }
    free(m->table);
    m->table = t;
    m->capacity = cap;
    return SOSO_OK;
}

soso_status soso__strmap_intern(soso__strmap *m, const char *key, size_t len, uint32_t *slot, int *inserted)
{
    size_t pos = probe(m, key, len);
    if (m->table[pos]) {
        *slot = m->table[pos] - 1;
        if (inserted) *inserted = 0;
        return SOSO_OK;
    }
    if (m->count >= 0xFFFFFFF0u) return soso__fail(SOSO_E_LIMIT, "more than 4 billion distinct words");
    size_t need;
    if (!soso__add_size(m->arena_len, len + 1, &need)) return soso__fail(SOSO_E_LIMIT, "word arena overflow");
    SOSO__CHECK(soso__reserve((void **)&m->arena, &m->arena_cap, need, 1));
    size_t kc = m->keys_cap;
    SOSO__CHECK(soso__reserve((void **)&m->key_off, &kc, m->count + 1, sizeof *m->key_off));
    kc = m->keys_cap;
    SOSO__CHECK(soso__reserve((void **)&m->key_len, &kc, m->count + 1, sizeof *m->key_len));
    m->keys_cap = kc;
    memcpy(m->arena + m->arena_len, key, len);
    m->arena[m->arena_len + len] = '\0';
    m->key_off[m->count] = m->arena_len;
    m->key_len[m->count] = (uint32_t)len;
    m->arena_len = need;
    *slot = (uint32_t)m->count;
    m->table[pos] = (uint32_t)m->count + 1;
    m->count++;
    if (inserted) *inserted = 1;
    if (m->count * 2 > m->capacity) SOSO__CHECK(grow(m));
    return SOSO_OK;
}

const char *soso__strmap_key(const soso__strmap *m, uint32_t slot, size_t *len)
{
    if (slot >= m->count) return NULL;
    if (len) *len = m->key_len[slot];
    return m->arena + m->key_off[slot];
}
