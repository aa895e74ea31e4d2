/* corpus.c - a corpus file in memory: one document per line, optional "label<TAB>". */
#include "soso_internal.h"

#include <stdlib.h>
#include <string.h>

struct soso_corpus {
    char *data;          /* the file, with each line end turned into NUL    */
    size_t len;
    size_t n;            /* documents                                       */
    size_t *text_off;    /* n: start of each document's text                */
    size_t *text_len;
    size_t *label_off;   /* n: start of the label, or SIZE_MAX when none    */
    size_t *label_len;
    size_t invalid_lines, first_invalid;
};

int soso__utf8_valid(const unsigned char *s, size_t n)
{
    uint32_t cp;
    for (size_t i = 0, step; i < n; i += step)
        if ((step = soso__utf8_decode(s + i, n - i, &cp)) == 0) return 0;
    return 1;
}

void soso_corpus_limits_default(soso_corpus_limits *l)
{
    if (!l) return;
    l->max_line_bytes = (size_t)1 << 20;
    l->max_documents = 1000000000;
}

/* The first line beyond the limits, checked before any index is allocated. */
static soso_status check_limits(const char *data, size_t len, const soso_corpus_limits *l)
{
    size_t line = 0, start = 0;
    while (start < len) {
        const char *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len;
        line++;
        if (l->max_documents && line > l->max_documents)
            return soso__fail(SOSO_E_LIMIT, "the corpus has more than %zu lines (the max_documents limit)",
                              l->max_documents);
        if (l->max_line_bytes && end - start > l->max_line_bytes)
            return soso__fail(SOSO_E_LIMIT,
                              "line %zu is %zu bytes, over the limit of %zu (soso_corpus_limits.max_line_bytes, the "
                              "CLI's --max-line-bytes)",
                              line, end - start, l->max_line_bytes);
        start = end + 1;
    }
    return SOSO_OK;
}

soso_status soso__corpus_adopt(char *data, size_t len, const soso_corpus_limits *limits, int file_start,
                               soso_corpus **out)
{
    soso_corpus_limits dl;
    if (!limits) {
        soso_corpus_limits_default(&dl);
        limits = &dl;
    }
    /* A UTF-8 byte order mark at the file's start is not text: it was kept in the first
     * label (a 7th label on a corpus of 6) or word; nor does it count against the limits. */
    size_t bom = file_start ? soso__bom_length(data, len) : 0;
    soso_status s = check_limits(data + bom, len - bom, limits);
    if (s != SOSO_OK) {
        free(data);
        return s;
    }
    soso_corpus *c = soso__calloc(1, sizeof *c);
    if (!c) {
        free(data);
        return soso__fail(SOSO_E_NOMEM, "out of memory for a corpus");
    }
    c->data = data;
    c->len = len;
    data[len] = '\0';
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += data[i] == '\n';
    if (len > 0 && data[len - 1] != '\n') lines++; /* last line without newline */
    c->text_off = soso__alloc_array(lines, sizeof(size_t));
    c->text_len = soso__alloc_array(lines, sizeof(size_t));
    c->label_off = soso__alloc_array(lines, sizeof(size_t));
    c->label_len = soso__alloc_array(lines, sizeof(size_t));
    if (!c->text_off || !c->text_len || !c->label_off || !c->label_len) {
        soso_corpus_free(c);
        return soso__fail(SOSO_E_NOMEM, "out of memory indexing %zu lines", lines);
    }
    size_t start = bom;
    while (start < len) {
        char *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t line_end = end;
        if (line_end > start && data[line_end - 1] == '\r') line_end--;
        data[line_end] = '\0';
        size_t i = c->n++;
        char *tab = memchr(data + start, '\t', line_end - start);
        if (tab) {
            *tab = '\0';
            c->label_off[i] = start;
            c->label_len[i] = (size_t)(tab - (data + start));
            c->text_off[i] = (size_t)(tab - data) + 1;
        } else {
            c->label_off[i] = (size_t)-1;
            c->label_len[i] = 0;
            c->text_off[i] = start;
        }
        c->text_len[i] = line_end - c->text_off[i];
        if (!soso__utf8_valid((const unsigned char *)data + start, line_end - start)) {
            if (c->invalid_lines++ == 0) c->first_invalid = i + 1;
        }
        start = end + 1;
    }
    *out = c;
    return SOSO_OK;
}

soso_status soso_corpus_read_file_limited(const char *path, const soso_corpus_limits *limits, soso_corpus **out)
{
    if (!path || !out) return soso__fail(SOSO_E_ARG, "path and out must not be NULL");
    char *data;
    size_t len;
    SOSO__CHECK(soso__read_file(path, &data, &len));
    return soso__corpus_adopt(data, len, limits, 1, out);
}

soso_status soso_corpus_from_buffer_limited(const char *data, size_t len, const soso_corpus_limits *limits,
                                            soso_corpus **out)
{
    if (!out || (!data && len)) return soso__fail(SOSO_E_ARG, "data and out must not be NULL");
    if (len == SOSO_NUL_TERMINATED) len = strlen(data); /* the header's text convention */
    size_t total;
    if (!soso__add_size(len, 1, &total)) return soso__fail(SOSO_E_LIMIT, "buffer too large");
    char *copy = soso__malloc(total);
    if (!copy) return soso__fail(SOSO_E_NOMEM, "out of memory copying %zu bytes", len);
    if (len) memcpy(copy, data, len);
    return soso__corpus_adopt(copy, len, limits, 1, out);
}

soso_status soso_corpus_read_file(const char *path, soso_corpus **out)
{
    return soso_corpus_read_file_limited(path, NULL, out);
}

soso_status soso_corpus_from_buffer(const char *data, size_t len, soso_corpus **out)
{
    return soso_corpus_from_buffer_limited(data, len, NULL, out);
}

void soso_corpus_free(soso_corpus *c)
{
    if (!c) return;
    free(c->data);
    free(c->text_off);
    free(c->text_len);
    free(c->label_off);
    free(c->label_len);
    free(c);
}

size_t soso_corpus_size(const soso_corpus *c) { return c ? c->n : 0; }

const char *soso_corpus_text(const soso_corpus *c, size_t i, size_t *len)
{
    if (!c || i >= c->n) return NULL;
    if (len) *len = c->text_len[i];
    return c->data + c->text_off[i];
}

const char *soso_corpus_label(const soso_corpus *c, size_t i, size_t *len)
{
    if (!c || i >= c->n || c->label_off[i] == (size_t)-1) return NULL;
    if (len) *len = c->label_len[i];
    return c->data + c->label_off[i];
}

size_t soso_corpus_invalid_utf8_lines(const soso_corpus *c, size_t *first_line)
{
    if (first_line) *first_line = c ? c->first_invalid : 0;
    return c ? c->invalid_lines : 0;
}
