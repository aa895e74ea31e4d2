/* memory_io.c - memory files: the shared container with magic "SOSOMEMO", the
 * vocabulary, the patterns, and each memory's label and text. Postings are rebuilt on
 * load, so a file holds nothing that could disagree with the patterns. */
#include "soso_internal.h"

#include <stdlib.h>
#include <string.h>

static const char MAGIC[8] = {'S', 'O', 'S', 'O', 'M', 'E', 'M', 'O'};

soso_status soso_memory_save_buffer(const soso_memory *m, void **data, size_t *len)
{
    if (!m || !data || !len) return soso__fail(SOSO_E_ARG, "memory, data and len must not be NULL");
    soso__wbuf b = {0};
    soso__container_begin(&b, MAGIC, SOSO_MEMORY_FORMAT_VERSION, 4); /* TEXT VOCB MEMS STRS */
    soso__write_vocab_sections(&b, m->vocab);
    size_t at = soso__section_begin(&b, "MEMS");
    soso__wbuf_u64(&b, m->n);
    soso__wbuf_u64(&b, m->indptr[m->n]);
    for (size_t i = 0; i < m->n; i++) soso__wbuf_u32(&b, (uint32_t)(m->indptr[i + 1] - m->indptr[i]));
    for (size_t e = 0; e < m->indptr[m->n]; e++) soso__wbuf_u32(&b, m->words[e]);
    soso__section_end(&b, at);
    at = soso__section_begin(&b, "STRS");
    for (size_t i = 0; i < m->n; i++) {
        const char *parts[2] = {soso_memory_label(m, i), soso_memory_text(m, i)};
        for (int k = 0; k < 2; k++) {
            if (!parts[k]) {
                soso__wbuf_u32(&b, UINT32_MAX);
                continue;
            }
            size_t l = strlen(parts[k]);
            soso__wbuf_u32(&b, (uint32_t)l);
            soso__wbuf_bytes(&b, parts[k], l);
        }
    }
    soso__section_end(&b, at);
    return soso__container_end(&b, data, len);
}

soso_status soso_memory_save(const soso_memory *m, const char *path)
{
    if (!m || !path) return soso__fail(SOSO_E_ARG, "memory and path must not be NULL");
    void *data;
    size_t len;
    SOSO__CHECK(soso_memory_save_buffer(m, &data, &len));
    soso_status s = soso__write_file_atomic(path, data, len);
    free(data);
    return s;
}

static soso_status bad(const char *what) { return soso__fail(SOSO_E_FORMAT, "memory file: %s", what); }

/* Reads one optional string (u32 length or UINT32_MAX for none). */
static int read_string(soso__rbuf *r, const char **s, size_t *len)
{
    uint32_t l = soso__rbuf_u32(r);
    if (r->failed) return 0;
    if (l == UINT32_MAX) {
        *s = NULL;
        *len = 0;
        return 1;
    }
    if (l > soso__rbuf_left(r)) return 0;
    *s = (const char *)r->data + r->pos;
    *len = l;
    r->pos += l;
    return memchr(*s, '\0', l) == NULL;
}

soso_status soso_memory_load_buffer(const void *data, size_t len, soso_memory **out)
{
    if (!out) return soso__fail(SOSO_E_ARG, "out must not be NULL");
    soso__section secs[16];
    size_t ns = 0;
    SOSO__CHECK(soso__container_open(data, len, MAGIC, SOSO_MEMORY_FORMAT_VERSION, "memory", secs, 16, &ns));
    const soso__section *ms = soso__section_find(secs, ns, "MEMS"), *ss = soso__section_find(secs, ns, "STRS");
    if (!ms || !ss) return bad("a required section is missing");
    soso_vocab *vocab;
    SOSO__CHECK(soso__read_vocab_sections(secs, ns, "memory", &vocab));
    soso_memory *m = NULL;
    soso_status s = soso_memory_create(vocab, &m);
    size_t V = vocab->words.count;
    soso_vocab_free(vocab);
    if (s != SOSO_OK) return s;
    soso__rbuf r = {ms->p, ms->len, 0, 0}, lens, ids, st = {ss->p, ss->len, 0, 0};
    uint64_t n = soso__rbuf_u64(&r), nnz = soso__rbuf_u64(&r);
    /* Sizes against the section's real length before anything is allocated. */
    if (r.failed || n > UINT32_MAX - 1 || n > soso__rbuf_left(&r) / 4 || nnz > (soso__rbuf_left(&r) - 4 * n) / 4 ||
        soso__rbuf_left(&r) != 4 * (n + nnz))
        s = bad("the pattern counts do not match the section size");
    lens = r;
    ids = r;
    ids.pos += 4 * (size_t)n;
    uint32_t *buf = NULL;
    size_t buf_cap = 0;
    uint64_t used = 0;
    for (uint64_t i = 0; i < n && s == SOSO_OK; i++) {
        uint32_t k = soso__rbuf_u32(&lens);
        if (k == 0 || k > V || k > nnz - used) {
            s = bad("a pattern is empty or longer than the vocabulary");
            break;
        }
        used += k;
        s = soso__reserve((void **)&buf, &buf_cap, k, sizeof *buf);
        for (uint32_t a = 0; a < k && s == SOSO_OK; a++) {
            buf[a] = soso__rbuf_u32(&ids);
            if (buf[a] >= V || (a > 0 && buf[a] <= buf[a - 1])) s = bad("a pattern's word ids are out of range or not ascending");
        }
        const char *label = NULL, *text = NULL;
        size_t ll = 0, tl = 0;
        if (s == SOSO_OK && (!read_string(&st, &label, &ll) || !read_string(&st, &text, &tl)))
            s = bad("labels and texts are truncated or hold a NUL byte");
        if (s == SOSO_OK) s = soso__memory_push(m, buf, k, label, ll, text, tl);
    }
    if (s == SOSO_OK && (used != nnz || soso__rbuf_left(&st) != 0)) s = bad("trailing or missing bytes in the patterns or texts");
    free(buf);
    if (s == SOSO_OK) s = soso__memory_index(m);
    if (s != SOSO_OK) {
        soso_memory_free(m);
        return s;
    }
    *out = m;
    return SOSO_OK;
}

static soso_status load_any(const void *data, size_t len, void **out)
{
    return soso_memory_load_buffer(data, len, (soso_memory **)out);
}

soso_status soso_memory_load(const char *path, soso_memory **out)
{
    return soso__load_file(path, load_any, (void **)out);
}
