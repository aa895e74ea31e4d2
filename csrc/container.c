/* container.c - the file container every SOSO file uses (models, memories): an 8-byte
 * magic, a format version, tagged sections with 64-bit sizes, and a CRC-32 at the end;
 * plus the sections that several kinds share (tokenizer options, vocabulary). Readers
 * check magic, version, every declared size against the bytes present, and the checksum
 * before they parse anything. See docs/FORMAT.md. */
#include "soso_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void soso__container_begin(soso__wbuf *b, const char magic[8], uint32_t version, uint32_t sections)
{
    soso__wbuf_bytes(b, magic, 8);
    soso__wbuf_u32(b, version);
    soso__wbuf_u32(b, sections);
}

size_t soso__section_begin(soso__wbuf *b, const char tag[4])
{
    soso__wbuf_bytes(b, tag, 4);
    size_t at = b->len;
    soso__wbuf_u64(b, 0); /* patched by soso__section_end */
    return at;
}

void soso__section_end(soso__wbuf *b, size_t at) { soso__wbuf_patch_u64(b, at, b->len - at - 8); }

soso_status soso__container_end(soso__wbuf *b, void **data, size_t *len)
{
    if (!b->failed) soso__wbuf_u32(b, soso__crc32(b->data, b->len));
    if (b->failed) {
        free(b->data);
        return soso__fail(SOSO_E_NOMEM, "out of memory serialising a file");
    }
    *data = b->data;
    *len = b->len;
    return SOSO_OK;
}

static uint32_t u32_at(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

soso_status soso__container_open(const void *data, size_t len, const char magic[8], uint32_t max_version,
                                 const char *kind, soso__section *secs, size_t max_secs, size_t *n_secs)
{
    const unsigned char *p = data;
    if (!data && len) return soso__fail(SOSO_E_ARG, "data is NULL");
    if (len == 0) return soso__fail(SOSO_E_FORMAT, "%s file: the file is empty", kind);
    if ((len < 8 && memcmp(p, magic, len) == 0) || (len >= 8 && len < 20 && memcmp(p, magic, 8) == 0))
        return soso__fail(SOSO_E_FORMAT, "%s file: truncated (shorter than its header)", kind);
    if (len < 8 || memcmp(p, magic, 8) != 0) {
        if (len >= 8 && memcmp(p, "SOSO", 4) == 0)
            return soso__fail(SOSO_E_FORMAT, "this is a SOSO file of another kind (%.8s), not a %s", (const char *)p, kind);
        return soso__fail(SOSO_E_FORMAT, "not a SOSO %s file (no %.8s magic at its start)", kind, magic);
    }
    uint32_t version = u32_at(p + 8);
    if (version == 0) return soso__fail(SOSO_E_FORMAT, "%s file: format version 0 is invalid", kind);
    if (version > max_version)
        return soso__fail(SOSO_E_VERSION, "%s file has format version %u, newer than this SOSO (%s) reads (%u); upgrade SOSO",
                          kind, version, SOSO_VERSION_STRING, max_version);
    soso__rbuf r = {p, len - 4, 12, 0}; /* the section table, before the CRC */
    uint32_t count = soso__rbuf_u32(&r);
    size_t n = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (soso__rbuf_left(&r) < 12)
            return soso__fail(SOSO_E_FORMAT, "%s file is truncated (section %u of %u is missing)", kind, i + 1, count);
        char tag[4];
        soso__rbuf_bytes(&r, tag, 4);
        uint64_t size = soso__rbuf_u64(&r);
        if (size > soso__rbuf_left(&r))
            return soso__fail(SOSO_E_FORMAT, "%s file is truncated (section '%.4s' declares %llu bytes, %zu remain)", kind,
                              tag, (unsigned long long)size, soso__rbuf_left(&r));
        for (size_t k = 0; k < n; k++)
            if (!memcmp(secs[k].tag, tag, 4)) return soso__fail(SOSO_E_FORMAT, "%s file has two '%.4s' sections", kind, tag);
        if (n == max_secs) return soso__fail(SOSO_E_FORMAT, "%s file has too many sections", kind);
        memcpy(secs[n].tag, tag, 4);
        secs[n].p = p + r.pos;
        secs[n].len = (size_t)size;
        n++;
        r.pos += (size_t)size;
    }
    if (soso__rbuf_left(&r) != 0)
        return soso__fail(SOSO_E_FORMAT, "%s file: unexpected bytes after the last section (truncated or corrupted)", kind);
    if (soso__crc32(p, len - 4) != u32_at(p + len - 4))
        return soso__fail(SOSO_E_FORMAT, "%s file: checksum mismatch: the file is corrupted", kind);
    *n_secs = n;
    return SOSO_OK;
}

const soso__section *soso__section_find(const soso__section *secs, size_t n, const char tag[4])
{
    for (size_t k = 0; k < n; k++)
        if (!memcmp(secs[k].tag, tag, 4)) return &secs[k];
    return NULL; /* sections a reader does not know are skipped */
}

void soso__write_vocab_sections(soso__wbuf *b, const soso_vocab *v)
{
    const soso_text_options *t = &v->options;
    size_t at = soso__section_begin(b, "TEXT");
    soso__wbuf_u32(b, t->min_word_len);
    soso__wbuf_u32(b, t->max_word_len);
    soso__wbuf_u32(b, (uint32_t)t->stop_words);
    soso__wbuf_u32(b, t->min_df);
    soso__wbuf_u32(b, t->max_vocab);
    soso__section_end(b, at);
    at = soso__section_begin(b, "VOCB");
    soso__wbuf_u64(b, v->n_docs);
    soso__wbuf_u64(b, v->words.count);
    for (size_t i = 0; i < v->words.count; i++) {
        size_t wl;
        const char *w = soso__strmap_key(&v->words, (uint32_t)i, &wl);
        soso__wbuf_u64(b, v->df[i]);
        soso__wbuf_u16(b, (uint16_t)wl);
        soso__wbuf_bytes(b, w, wl);
    }
    soso__section_end(b, at);
}

soso_status soso__read_vocab_sections(const soso__section *secs, size_t n, const char *kind, soso_vocab **out)
{
    const soso__section *ts = soso__section_find(secs, n, "TEXT"), *vs = soso__section_find(secs, n, "VOCB");
    if (!ts || !vs) return soso__fail(SOSO_E_FORMAT, "%s file: the vocabulary sections are missing", kind);
    soso_text_options to;
    soso_text_options_default(&to); /* what the file does not keep (max_distinct, a builder's limit) */
    soso__rbuf r = {ts->p, ts->len, 0, 0};
    to.min_word_len = soso__rbuf_u32(&r);
    to.max_word_len = soso__rbuf_u32(&r);
    to.stop_words = (int)soso__rbuf_u32(&r);
    to.min_df = soso__rbuf_u32(&r);
    to.max_vocab = soso__rbuf_u32(&r);
    if (r.failed || soso__text_options_check(&to) || (to.stop_words != 0 && to.stop_words != 1))
        return soso__fail(SOSO_E_FORMAT, "%s file: invalid tokenizer options", kind);
    r = (soso__rbuf){vs->p, vs->len, 0, 0};
    uint64_t n_docs = soso__rbuf_u64(&r);
    uint64_t count = soso__rbuf_u64(&r);
    /* Each word takes at least 11 bytes: refuse counts the section cannot hold. */
    if (r.failed || count == 0 || count > soso__rbuf_left(&r) / 11)
        return soso__fail(SOSO_E_FORMAT, "%s file: the vocabulary size does not fit its section", kind);
    const char **words = soso__alloc_array(count, sizeof *words);
    size_t *lens = soso__alloc_array(count, sizeof *lens);
    uint64_t *df = soso__alloc_array(count, sizeof *df);
    soso_status s = SOSO_OK;
    if (!words || !lens || !df) s = soso__fail(SOSO_E_NOMEM, "out of memory reading a vocabulary");
    for (uint64_t i = 0; i < count && s == SOSO_OK; i++) {
        df[i] = soso__rbuf_u64(&r);
        lens[i] = soso__rbuf_u16(&r);
        if (r.failed || lens[i] == 0 || lens[i] > soso__rbuf_left(&r)) {
            s = soso__fail(SOSO_E_FORMAT, "%s file: vocabulary entry truncated or empty", kind);
            break;
        }
        words[i] = (const char *)r.data + r.pos;
        r.pos += lens[i];
        if (memchr(words[i], '\0', lens[i])) s = soso__fail(SOSO_E_FORMAT, "%s file: a vocabulary word contains a NUL byte", kind);
    }
    if (s == SOSO_OK && soso__rbuf_left(&r) != 0) s = soso__fail(SOSO_E_FORMAT, "%s file: vocabulary section has trailing bytes", kind);
    if (s == SOSO_OK) {
        s = soso__vocab_from_words(&to, words, lens, df, (size_t)count, n_docs, out);
        if (s == SOSO_E_FORMAT) s = soso__fail(SOSO_E_FORMAT, "%s file: %s", kind, soso_last_error());
    }
    free(words);
    free(lens);
    free(df);
    return s;
}

soso_status soso__load_file(const char *path, soso_status (*load)(const void *, size_t, void **), void **out)
{
    if (!path || !out) return soso__fail(SOSO_E_ARG, "path and out must not be NULL");
    char *data;
    size_t len;
    SOSO__CHECK(soso__read_file(path, &data, &len));
    soso_status s = load(data, len, out);
    free(data);
    if (s != SOSO_OK && s != SOSO_E_NOMEM) {
        /* Prefix the path so a user knows which file is bad. */
        char detail[400];
        snprintf(detail, sizeof detail, "%s", soso_last_error());
        s = soso__fail(s, "%s: %s", path, detail);
    }
    return s;
}
