/* fuzz_vocab.c - libFuzzer target: any bytes as a vocabulary file; a loaded vocabulary
 * must look words up and save again. */
#include <soso.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soso_vocab *v = NULL;
    if (soso_vocab_load_buffer(data, size, &v) != SOSO_OK) return 0;
    for (size_t i = 0; i < soso_vocab_size(v) && i < 16; i++) soso_vocab_find(v, soso_vocab_word(v, i), SOSO_NUL_TERMINATED);
    void *buf = NULL;
    size_t len = 0;
    if (soso_vocab_save_buffer(v, &buf, &len) == SOSO_OK) soso_free(buf);
    soso_vocab_free(v);
    return 0;
}
