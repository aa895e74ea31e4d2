/* stream.c - a corpus file read in pieces: one scan notes where every block of lines
 * starts, then any blocks can be fetched by number. Training and vocabulary building then
 * need memory for one piece, not for the corpus. */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64 /* files over 2 GiB on 32-bit systems too */
#include "soso_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

struct soso_stream {
    FILE *f;
    soso_corpus_limits limits;
    size_t block_lines;
    uint64_t docs;      /* lines                                   */
    size_t blocks;      /* ceil(docs / block_lines)                 */
    uint64_t *offsets;  /* blocks + 1: where each block starts; then the file size */
    uint64_t size;
    uint64_t invalid, first_invalid;
    uint64_t fingerprint; /* of the lines' text, as the scan read them */
};

/* The scan's state: the line being read (kept whole to check its UTF-8) and the offsets. */
typedef struct {
    soso_stream *s;
    char *line;
    size_t len, cap, offsets_cap;
} scan_state;

static soso_status push_offset(scan_state *st, uint64_t at)
{
    soso_stream *s = st->s;
    void *o = s->offsets;
    if (soso__reserve(&o, &st->offsets_cap, s->blocks + 2, sizeof *s->offsets) != SOSO_OK)
        return soso__fail(SOSO_E_NOMEM, "out of memory for the index of a streamed corpus");
    s->offsets = o;
    s->offsets[++s->blocks] = at;
    return SOSO_OK;
}

/* Adds bytes to the current line, refusing a line over the limit before it grows. */
static soso_status take(scan_state *st, const char *p, size_t n)
{
    size_t max = st->s->limits.max_line_bytes;
    if (max && st->len + n > max)
        return soso__fail(SOSO_E_LIMIT, "line %llu is over the limit of %zu bytes (soso_corpus_limits.max_line_bytes, "
                          "the CLI's --max-line-bytes)",
                          (unsigned long long)st->s->docs + 1, max);
    void *l = st->line;
    SOSO__CHECK(soso__reserve(&l, &st->cap, st->len + n, 1));
    st->line = l;
    if (n) memcpy(st->line + st->len, p, n);
    st->len += n;
    return SOSO_OK;
}

/* A line ended (next: where the following line starts). */
static soso_status end_line(scan_state *st, uint64_t next)
{
    soso_stream *s = st->s;
    if (s->limits.max_documents && s->docs >= s->limits.max_documents)
        return soso__fail(SOSO_E_LIMIT, "the corpus has more than %zu lines (the max_documents limit)",
                          s->limits.max_documents);
    size_t n = st->len && st->line[st->len - 1] == '\r' ? st->len - 1 : st->len;
    s->docs++;
    s->fingerprint = soso__fingerprint_u64(soso__fingerprint_bytes(s->fingerprint, st->line, n), n);
    if (!soso__utf8_valid((const unsigned char *)st->line, n) && s->invalid++ == 0) s->first_invalid = s->docs;
    st->len = 0;
    return s->docs % s->block_lines == 0 ? push_offset(st, next) : SOSO_OK;
}

static soso_status scan(soso_stream *s, const char *path)
{
    scan_state st = {s, NULL, 0, 0, 0};
    s->fingerprint = SOSO__FINGERPRINT_START;
    char *buf = soso__malloc(1 << 16);
    void *o = NULL;
    soso_status r = buf ? soso__reserve(&o, &st.offsets_cap, 64, sizeof *s->offsets)
                        : soso__fail(SOSO_E_NOMEM, "out of memory");
    s->offsets = o;
    if (r == SOSO_OK) s->offsets[0] = 0; /* the first block's start */
    uint64_t pos = 0;
    size_t got;
    while (r == SOSO_OK && (got = fread(buf, 1, 1 << 16, s->f)) > 0) {
        size_t at = 0;
        if (pos == 0) at = s->offsets[0] = soso__bom_length(buf, got); /* a byte order mark: not text */
        while (r == SOSO_OK && at < got) {
            const char *nl = memchr(buf + at, '\n', got - at);
            size_t end = nl ? (size_t)(nl - buf) : got;
            r = take(&st, buf + at, end - at);
            if (r == SOSO_OK && nl) r = end_line(&st, pos + end + 1);
            at = end + (nl != NULL);
        }
        pos += got;
    }
    if (r == SOSO_OK && ferror(s->f)) r = soso__fail_os(SOSO_E_IO, errno, "cannot read %s", path);
    if (r == SOSO_OK && st.len > 0) r = end_line(&st, pos); /* a last line without newline */
    if (r == SOSO_OK && s->docs % s->block_lines != 0) r = push_offset(&st, pos);
    s->size = pos;
    free(buf);
    free(st.line);
    return r;
}

soso_status soso_stream_open(const char *path, const soso_corpus_limits *limits, size_t block_lines,
                             soso_stream **out)
{
    if (!path || !out) return soso__fail(SOSO_E_ARG, "path and out must not be NULL");
    if (block_lines == 0) return soso__fail(SOSO_E_ARG, "block_lines must be >= 1");
    if (strcmp(path, "-") == 0)
        return soso__fail(SOSO_E_ARG, "a streamed corpus is read several times: give a file, not standard input");
    /* Checked before the open too: opening a FIFO waits for its writer, for ever. */
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return soso__fail(SOSO_E_IO, "cannot stream %s: not a regular file", path);
    soso_stream *s = soso__calloc(1, sizeof *s);
    if (!s) return soso__fail(SOSO_E_NOMEM, "out of memory for a stream");
    if (limits) s->limits = *limits;
    else soso_corpus_limits_default(&s->limits);
    s->block_lines = block_lines;
    s->f = fopen(path, "rb");
    soso_status r = !s->f ? soso__fail_os(SOSO_E_IO, errno, "cannot open %s", path)
                    : fstat(fileno(s->f), &sb) != 0 ? soso__fail_os(SOSO_E_IO, errno, "cannot stat %s", path)
                    : !S_ISREG(sb.st_mode) ? soso__fail(SOSO_E_IO, "cannot stream %s: not a regular file", path)
                                           : scan(s, path);
    if (r != SOSO_OK) {
        soso_stream_free(s);
        return r;
    }
    *out = s;
    return SOSO_OK;
}

void soso_stream_free(soso_stream *s)
{
    if (!s) return;
    if (s->f) fclose(s->f);
    free(s->offsets);
    free(s);
}

uint64_t soso_stream_documents(const soso_stream *s) { return s ? s->docs : 0; }
uint64_t soso__stream_fingerprint(const soso_stream *s) { return s->fingerprint; }
size_t soso_stream_blocks(const soso_stream *s) { return s ? s->blocks : 0; }

size_t soso_stream_block_size(const soso_stream *s, size_t block)
{
    if (!s || block >= s->blocks) return 0;
    return block + 1 < s->blocks ? s->block_lines : (size_t)(s->docs - (uint64_t)block * s->block_lines);
}

uint64_t soso_stream_invalid_utf8_lines(const soso_stream *s, uint64_t *first_line)
{
    if (first_line) *first_line = s ? s->first_invalid : 0;
    return s ? s->invalid : 0;
}

soso_status soso_stream_order(const soso_stream *s, uint64_t seed, uint32_t epoch, uint32_t *order, size_t n)
{
    if (!s || (!order && n)) return soso__fail(SOSO_E_ARG, "stream and order must not be NULL");
    if (n != s->blocks) return soso__fail(SOSO_E_ARG, "order has %zu entries, the stream %zu blocks", n, s->blocks);
    if (n > UINT32_MAX) return soso__fail(SOSO_E_LIMIT, "too many blocks");
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
    soso__rng rng;
    soso__rng_seed(&rng, seed, SOSO__STREAM_BLOCKS_BASE + epoch);
    soso__rng_shuffle_u32(&rng, order, n);
    return SOSO_OK;
}

/* The file still has the size the scan found (a cheap guard: its index would be wrong). */
static soso_status check_unchanged(soso_stream *s)
{
    struct stat sb;
    if (fstat(fileno(s->f), &sb) != 0) return soso__fail_os(SOSO_E_IO, errno, "cannot stat the streamed file");
    if ((uint64_t)sb.st_size != s->size) return soso__fail(SOSO_E_IO, "the streamed file changed since it was opened");
    return SOSO_OK;
}

/* bytes of the file from offset at: a failed call says why (soso_last_os_error too); a
 * file that ends early changed since the scan. */
static soso_status read_at(soso_stream *s, uint64_t at, char *to, size_t bytes)
{
    if (fseeko(s->f, (off_t)at, SEEK_SET) != 0)
        return soso__fail_os(SOSO_E_IO, errno, "cannot read the streamed file at byte %llu", (unsigned long long)at);
    if (fread(to, 1, bytes, s->f) == bytes) return SOSO_OK;
    if (!ferror(s->f)) return soso__fail(SOSO_E_IO, "the streamed file changed since it was opened (it ends early)");
    int err = errno;
    clearerr(s->f);
    return soso__fail_os(SOSO_E_IO, err, "cannot read the streamed file at byte %llu", (unsigned long long)at);
}

soso_status soso_stream_read(soso_stream *s, const uint32_t *blocks, size_t n, soso_corpus **out)
{
    if (!s || !out || (!blocks && n)) return soso__fail(SOSO_E_ARG, "stream, blocks and out must not be NULL");
    size_t total = 1; /* the final NUL */
    for (size_t i = 0; i < n; i++) {
        if (blocks[i] >= s->blocks) return soso__fail(SOSO_E_ARG, "block %u of %zu", blocks[i], s->blocks);
        size_t b = blocks[i];
        uint64_t len = s->offsets[b + 1] - s->offsets[b] + 1; /* + a newline if missing */
        if (len > SIZE_MAX - total) return soso__fail(SOSO_E_LIMIT, "the blocks do not fit in memory");
        total += (size_t)len;
    }
    SOSO__CHECK(check_unchanged(s));
    char *data = soso__malloc(total);
    if (!data) return soso__fail(SOSO_E_NOMEM, "out of memory for %zu bytes of corpus", total);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = blocks[i];
        uint64_t at = s->offsets[b], bytes = s->offsets[b + 1] - at;
        soso_status r = read_at(s, at, data + len, (size_t)bytes);
        if (r != SOSO_OK) {
            free(data);
            return r;
        }
        len += (size_t)bytes;
        if (bytes > 0 && data[len - 1] != '\n') data[len++] = '\n'; /* the last line of the file */
    }
    return soso__corpus_adopt(data, len, &s->limits, 0, out); /* block 0 starts after a BOM (scan) */
}

/* Appends line `want` of block b to the sample (lines of a block counted from 0; the
 * block's bytes are read once into *buf, and *cursor / *at remember where line *at starts,
 * as wanted lines only grow). */
typedef struct {
    char *buf, *data;
    size_t buf_cap, data_cap, data_len, bytes, cursor, at;
    size_t block; /* the block in buf, or SIZE_MAX */
} sample_state;

static soso_status sample_line(soso_stream *s, sample_state *st, size_t b, size_t want)
{
    if (st->block != b) {
        uint64_t at = s->offsets[b], bytes = s->offsets[b + 1] - at;
        if (bytes > SIZE_MAX - 1) return soso__fail(SOSO_E_LIMIT, "a block of the streamed file does not fit in memory");
        void *p = st->buf;
        SOSO__CHECK(soso__reserve(&p, &st->buf_cap, (size_t)bytes + 1, 1));
        st->buf = p;
        SOSO__CHECK(read_at(s, at, st->buf, (size_t)bytes));
        st->block = b;
        st->bytes = (size_t)bytes;
        st->cursor = 0;
        st->at = 0;
    }
    for (; st->at < want; st->at++) { /* skip to the wanted line */
        const char *nl = memchr(st->buf + st->cursor, '\n', st->bytes - st->cursor);
        if (!nl) return soso__fail(SOSO_E_IO, "the streamed file changed since it was opened");
        st->cursor = (size_t)(nl - st->buf) + 1;
    }
    const char *nl = memchr(st->buf + st->cursor, '\n', st->bytes - st->cursor);
    size_t len = nl ? (size_t)(nl - st->buf) - st->cursor : st->bytes - st->cursor; /* the file's last line */
    void *p = st->data;
    if (len > SIZE_MAX - 2 - st->data_len) return soso__fail(SOSO_E_LIMIT, "the sample does not fit in memory");
    SOSO__CHECK(soso__reserve(&p, &st->data_cap, st->data_len + len + 2, 1));
    st->data = p;
    memcpy(st->data + st->data_len, st->buf + st->cursor, len);
    st->data_len += len;
    st->data[st->data_len++] = '\n';
    return SOSO_OK;
}

/* k = min(max_docs, lines) lines, one drawn at random in each of k equal runs of the file,
 * read block by block: spread evenly over the file however it is sorted. (Whole blocks
 * drawn at random, as before, gave a sample of 100 lines just two blocks of 50: on the
 * bundled sample sorted by label, osc's LSA start then saw one or two of its six topics
 * and reached NMI 0.17 streamed in pieces of 100 against 0.27 in one piece.) */
soso_status soso_stream_sample(soso_stream *s, uint64_t seed, size_t max_docs, soso_corpus **out)
{
    if (!s || !out) return soso__fail(SOSO_E_ARG, "stream and out must not be NULL");
    if (max_docs == 0) return soso__fail(SOSO_E_ARG, "max_docs must be >= 1");
    if (s->docs == 0) return soso__fail(SOSO_E_EMPTY, "the streamed corpus is empty");
    SOSO__CHECK(check_unchanged(s));
    uint64_t D = s->docs, k = (uint64_t)max_docs < D ? (uint64_t)max_docs : D, q = D / k, extra = D % k;
    soso__rng rng;
    soso__rng_seed(&rng, seed, SOSO__STREAM_SAMPLE);
    sample_state st = {NULL, NULL, 0, 0, 0, 0, 0, 0, SIZE_MAX};
    soso_status r = SOSO_OK;
    for (uint64_t i = 0; i < k && r == SOSO_OK; i++) {
        /* run i: lines [lo, lo + n), the first D % k runs one line longer */
        uint64_t lo = i * q + (i < extra ? i : extra), n = q + (i < extra);
        uint64_t line = lo + soso__rng_below(&rng, n);
        r = sample_line(s, &st, (size_t)(line / s->block_lines), (size_t)(line % s->block_lines));
    }
    free(st.buf);
    if (r != SOSO_OK) {
        free(st.data);
        return r;
    }
    return soso__corpus_adopt(st.data, st.data_len, &s->limits, 0, out); /* block 0 starts after a BOM (scan) */
}
