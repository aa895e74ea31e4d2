/* fuzz_memory.c - libFuzzer target: any bytes as a memory file; a loaded memory must
 * answer a recall. */
#include <soso.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soso_memory *m = NULL;
    if (soso_memory_load_buffer(data, size, &m) != SOSO_OK) return 0;
    size_t V = soso_vocab_size(soso_memory_vocab(m));
    uint32_t q[2] = {0, 1}, mems[4];
    float weights[4];
    uint32_t *words = malloc(V * sizeof *words);
    soso_recall_params p;
    soso_recall_params_default(&p);
    soso_recall_result r = {words, V, 0, mems, weights, 4, 0, 0, 0, 0, 0};
    soso_memory_recall(m, q, V >= 2 ? 2 : V, &p, &r);
    p.steps = 2;
    soso_memory_recall(m, q, V >= 2 ? 2 : V, &p, &r);
    free(words);
    soso_memory_free(m);
    return 0;
}
