/* vocab_io.c - vocabulary files: the shared container with magic "SOSOVOCB" holding the
 * tokenizer options and the words with their document frequencies. */
#include "soso_internal.h"

#include <stdlib.h>

static const char MAGIC[8] = {'S', 'O', 'S', 'O', 'V', 'O', 'C', 'B'};

soso_status soso_vocab_save_buffer(const soso_vocab *v, void **data, size_t *len)
{
    if (!v || !data || !len) return soso__fail(SOSO_E_ARG, "vocab, data and len must not be NULL");
    soso__wbuf b = {0};
    soso__container_begin(&b, MAGIC, SOSO_VOCAB_FORMAT_VERSION, 2);
    soso__write_vocab_sections(&b, v);
    return soso__container_end(&b, data, len);
}

soso_status soso_vocab_save(const soso_vocab *v, const char *path)
{
    if (!v || !path) return soso__fail(SOSO_E_ARG, "vocab and path must not be NULL");
    void *data;
    size_t len;
    SOSO__CHECK(soso_vocab_save_buffer(v, &data, &len));
    soso_status s = soso__write_file_atomic(path, data, len);
    free(data);
    return s;
}

soso_status soso_vocab_load_buffer(const void *data, size_t len, soso_vocab **out)
{
    if (!out) return soso__fail(SOSO_E_ARG, "out must not be NULL");
    soso__section secs[8];
    size_t n = 0;
    SOSO__CHECK(soso__container_open(data, len, MAGIC, SOSO_VOCAB_FORMAT_VERSION, "vocabulary", secs, 8, &n));
    return soso__read_vocab_sections(secs, n, "vocabulary", out);
}

static soso_status load_any(const void *data, size_t len, void **out)
{
    return soso_vocab_load_buffer(data, len, (soso_vocab **)out);
}

soso_status soso_vocab_load(const char *path, soso_vocab **out)
{
    return soso__load_file(path, load_any, (void **)out);
}
