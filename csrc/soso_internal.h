/* soso_internal.h - what the C core's files share and the public API does not show.
 * Private names start with soso__. */
#ifndef SOSO_INTERNAL_H
#define SOSO_INTERNAL_H

#include "soso.h"
#include "team_barrier.h"

#include <stddef.h>
#include <stdint.h>

/* ---- OpenMP shim: the same sources build with gcc, with SwiftPM's clang (which has
 * -fopenmp but no omp.h) and without OpenMP at all (as a version-pinned dependency). */
#if defined(_OPENMP)
#  if defined(__has_include)
#    if __has_include(<omp.h>)
#      include <omp.h>
#      define SOSO__HAVE_OMP_H 1
#    endif
#  else
#    include <omp.h>
#    define SOSO__HAVE_OMP_H 1
#  endif
#  ifndef SOSO__HAVE_OMP_H
int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_get_max_threads(void);
int omp_get_max_active_levels(void); /* tests: regions given fewer threads than asked */
int omp_get_num_procs(void);
int omp_get_active_level(void);
void omp_set_max_active_levels(int levels);
#  endif
#else
static inline int omp_get_thread_num(void) { return 0; }
static inline int omp_get_num_threads(void) { return 1; }
static inline int omp_get_max_threads(void) { return 1; }
static inline int omp_get_num_procs(void) { return 1; }
static inline int omp_get_active_level(void) { return 0; }
#endif

/* Threads for a parallel region: at least 1, and 1 when the work is too small to pay
 * for waking a team (`work` in rough multiply-adds). */
int soso__team_size(int threads, double work);
/* max |x[0..n)| (0 for n = 0). */
float soso__max_abs(const float *x, size_t n);
/* The e with max |x| 2^-e in [1/2, 1), where max |x| lies outside (2^-lim, 2^lim); 0
 * inside it (lim 0: never inside) and for an all-zero x. Sums of squares or products
 * of x leave float's range far from 1; of x 2^-e (ldexpf: exact, subnormals too) not. */
int soso__unit_exponent(const float *x, size_t n, int lim);
/* The next chunk of a loop's items for whichever thread asks first (*next starts at 0):
 * for loops of independent items, where a static split leaves the faster thread idle
 * when the cores run at unequal speeds (a shared machine's vCPUs do, by up to 2x). */
static inline long soso__next_chunk(long *next, long chunk)
{
    long first;
#pragma omp atomic capture
    {
        first = *next;
        *next += chunk;
    }
    return first;
}
/* fmaxf(m, x) for a running maximum m that is never NaN (it starts at a number and only
 * takes x when x > m): a NaN x is skipped as fmaxf skips it. One maxss, where GCC calls
 * libm's fmaxf (which must also handle a NaN m). */
static inline float soso__max_with(float m, float x) { return x > m ? x : m; }

/* ---- Errors ------------------------------------------------------------------------ */

/* On every internal call that returns a status: GCC and clang then warn where a caller
 * drops one (three results went silently wrong that way, test_nomem.c). */
#if defined(__GNUC__)
#define SOSO__MUST_USE __attribute__((warn_unused_result))
#else
#define SOSO__MUST_USE
#endif

/* Records a formatted detail for soso_last_error() and returns `status`. */
SOSO__MUST_USE soso_status soso__fail(soso_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The same for a failed system call: the detail ends in ": " and strerror(err), and
 * soso_last_os_error() gives err (soso__fail sets it to 0). */
SOSO__MUST_USE soso_status soso__fail_os(soso_status status, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define SOSO__CHECK(expr)                         \
    do {                                          \
        soso_status soso__st = (expr);            \
        if (soso__st != SOSO_OK) return soso__st; \
    } while (0)

/* Overflow-safe size arithmetic: return 0 and leave *out unchanged on overflow. */
int soso__mul_size(size_t a, size_t b, size_t *out);
int soso__add_size(size_t a, size_t b, size_t *out);

/* The library's only calls to malloc, calloc and realloc (NULL on failure, no error
 * set), so that a test can make any one of them fail: while soso__alloc_fault > 0, each
 * allocation counts it down and the one that brings it to 0 returns NULL. The paths an
 * allocation failure takes are otherwise out of a test's reach. */
extern long soso__alloc_fault;
void *soso__malloc(size_t bytes);
void *soso__calloc(size_t n, size_t size);
void *soso__realloc(void *p, size_t bytes);
/* malloc/calloc of n * size bytes with overflow check; NULL on failure (no error set). */
void *soso__alloc_array(size_t n, size_t size);
void *soso__calloc_array(size_t n, size_t size);
/* Grows *buf (capacity *cap elements of `size` bytes) to hold at least `need`. */
SOSO__MUST_USE soso_status soso__reserve(void **buf, size_t *cap, size_t need, size_t size);

/* ---- Random numbers: deterministic across platforms and thread counts ---------------- */

typedef struct soso__rng {
    uint64_t s[4]; /* xoshiro256** state */
} soso__rng;

/* Seeds from (seed, stream): different streams give independent sequences. */
void soso__rng_seed(soso__rng *rng, uint64_t seed, uint64_t stream);
uint64_t soso__rng_next(soso__rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double soso__rng_uniform(soso__rng *rng);
/* Uniform integer in [0, n), unbiased. n >= 1. */
uint64_t soso__rng_below(soso__rng *rng, uint64_t n);
/* Standard normal (Box-Muller; both values of a pair are used). */
double soso__rng_normal(soso__rng *rng, int *have_spare, double *spare);
/* Fisher-Yates shuffle of perm[0..n). */
void soso__rng_shuffle_u32(soso__rng *rng, uint32_t *perm, size_t n);

/* Random streams of one seed: initialisation, and one shuffle per epoch. */
#define SOSO__STREAM_INIT 1ull
#define SOSO__STREAM_LSA 3ull
#define SOSO__STREAM_SAMPLE 4ull /* a streamed file's start sample */
#define SOSO__STREAM_SHUFFLE_BASE (1ull << 32)
#define SOSO__STREAM_BLOCKS_BASE (1ull << 63) /* + epoch: a streamed file's block order */

/* Monotonic wall-clock seconds. */
double soso__now(void);

/* ---- Strings --------------------------------------------------------------------- */

uint64_t soso__hash_bytes(const char *s, size_t len);

/* An open-addressing map from byte strings to a uint32 slot index (insertion order).
 * Keys are copied into one arena. */
typedef struct soso__strmap {
    uint32_t *table;     /* capacity entries: slot + 1, 0 = empty */
    size_t capacity;     /* power of two                          */
    size_t count;
    char *arena;         /* keys, NUL-terminated, back to back    */
    size_t arena_len, arena_cap;
    size_t *key_off;     /* count offsets into arena              */
    uint32_t *key_len;
    size_t keys_cap;
} soso__strmap;

SOSO__MUST_USE soso_status soso__strmap_init(soso__strmap *m, size_t expected);
void soso__strmap_free(soso__strmap *m);
/* Slot of key, or -1. */
int64_t soso__strmap_find(const soso__strmap *m, const char *key, size_t len);
/* Slot of key, inserting it when absent (*inserted tells which, may be NULL). */
SOSO__MUST_USE soso_status soso__strmap_intern(soso__strmap *m, const char *key, size_t len, uint32_t *slot, int *inserted);
const char *soso__strmap_key(const soso__strmap *m, uint32_t slot, size_t *len);

/* ---- Text ------------------------------------------------------------------------- */

/* Decodes one code point at s[0..n) (n >= 1). Returns its byte length, or 0 for an
 * invalid sequence (overlong, surrogate, > U+10FFFF or truncated). */
size_t soso__utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* ---- Dense kernels (dense.c): results independent of the thread count ------------ */

/* Columns per block of the blocked matrix kernels (fixed, so blocks never depend on the
 * number of threads). */
#define SOSO__COL_BLOCK 512

double soso__dot(const float *a, const float *b, size_t n);
void soso__axpy(float alpha, const float *x, float *y, size_t n);
void soso__scal(float alpha, float *x, size_t n);
/* x (n floats whose squares sum to ss > 0) scaled to unit length, also where 1/sqrt(ss)
 * overflows a float (then by quotients in double). */
void soso__scale_unit(float *x, size_t n, double ss);
/* OpenBLAS runs single-threaded between begin and end (SOSO's own OpenMP threads share
 * the work); end restores the caller's setting. */
void soso__blas_begin(void);
void soso__blas_end(void);
/* C (m x n, row stride ldc) = alpha A (m x k) op(B) + beta C, op(B) = B (k x n) or B^T
 * (B stored n x k when trans_b), split into fixed column blocks. */
void soso__gemm_cols(size_t m, size_t n, size_t k, float alpha, const float *A, size_t lda, int trans_b,
                     const float *B, size_t ldb, float beta, float *C, size_t ldc, int threads);
/* B = A B, or B + A B with add, for a square m x m A and m x n B, in place: B's column
 * blocks (those of soso__gemm_cols), each copied to an m x 512 buffer per thread at
 * work for OpenBLAS, less than a second m x n matrix while threads are fewer than the
 * blocks; the AVX-512 kernel gives each thread an equal run of 32-column strips and an
 * m x 32 buffer. */
SOSO__MUST_USE soso_status soso__gemm_cols_inplace(size_t m, size_t n, const float *A, int add, float *B, int threads);
/* Products with a short inner dimension, k <= SOSO__LOW_RANK, over a long row (osc's
 * pending rotations and new atoms: one OpenBLAS call a chunk of the vocabulary cost more
 * than its arithmetic). soso__low_rank_block: C = A D, or C + A D with add, over w
 * columns (A m x k, D k x w, row strides lda, ldd, ldc), on the calling thread, with
 * dense_avx512.c's kernel where the CPU has AVX-512F, else OpenBLAS (the kernel sums as
 * OpenBLAS 0.3.21's Haswell and Skylake-X kernels do up to this k, so a model's bits did
 * not change). Each column's result depends on that column alone in the kernel, by
 * construction, and in OpenBLAS's sgemm as far as observed (osc's weights the same on
 * 1 to 4 threads with the kernel off): callers share columns among threads. */
#define SOSO__LOW_RANK 7
void soso__low_rank_block(size_t m, size_t k, const float *A, size_t lda, const float *D, size_t ldd, int add,
                          float *C, size_t ldc, size_t w);
void soso__low_rank_avx512(size_t m, size_t k, const float *A, size_t lda, const float *D, size_t ldd, int add,
                           float *C, size_t ldc, size_t w);
/* G (rows x rows) = W W^T, exactly symmetric and the same for any thread count: partial
 * sums over at most SOSO__GRAM_PARTS column ranges fixed by the shape, added in order,
 * or, for more than 64 rows over under 2,048 columns, row blocks of the upper triangle. */
#define SOSO__GRAM_PARTS 8
SOSO__MUST_USE soso_status soso__gram(const float *W, size_t rows, size_t cols, float *G, int threads);
/* The AVX-512 kernels (dense_avx512.c) that soso__gram (in its column-range path: not
 * for 65 or more rows under 2,048 columns) and soso__gemm_cols_inplace take for at most
 * SOSO__SIMD_ROWS rows where the CPU has AVX-512F. enabled: whether they
 * are taken (asks the CPU once); set: turns them off (0) or back on (1, where the CPU
 * has them) for tests that compare them with OpenBLAS; returns the previous state. */
#define SOSO__SIMD_ROWS 128
int soso__avx512_enabled(void);
int soso__avx512_set(int on);
/* The upper triangle of W's Gram matrix over columns c0..c0+w into G (rows x rows);
 * tiles: soso__gram_tiles_avx512(rows) floats of scratch (each 4 x 4 tile's sums). */
size_t soso__gram_tiles_avx512(size_t rows);
void soso__gram_range_avx512(const float *W, size_t rows, size_t cols, size_t c0, size_t w, float *G, float *tiles);
/* B = S B, or B + S B with add, for B's m rows over w columns at row stride ldb, in
 * place; buf: m x 32 floats of scratch. */
void soso__mul_inplace_avx512(size_t m, const float *S, int add, float *B, size_t ldb, size_t w, float *buf);

/* ---- Orthogonality and LSA --------------------------------------------------------- */

/* How the last pass of symmetric orthogonalisation got (W W^T)^(-1/2): a binomial
 * series, Newton-Schulz or the eigenproblem (0 before any); for tests. */
enum { SOSO__ORTH_SERIES = 1, SOSO__ORTH_NEWTON = 2, SOSO__ORTH_EIGEN = 3 };
extern int soso__orth_always_again; /* tests: every symmetric pass asks for another */
int soso__orth_last_method(void);
/* soso_orthogonalize_symmetric, and (err not NULL) what soso_orthogonality_error would
 * have said of W before, from the same Gram matrix (osc's re-orthonormalisation sets
 * its period by it: one W W^T instead of two). *err is set when the Gram matrix was. */
SOSO__MUST_USE soso_status soso__orthogonalize_symmetric_err(float *W, size_t rows, size_t cols, int threads, float *err);

/* Eigenvalues (ascending, into w) and eigenvectors (overwriting A: eigenvector k is the
 * contiguous run A[k*n .. k*n+n)) of a symmetric n x n matrix. LAPACK dsyevd. */
SOSO__MUST_USE soso_status soso__sym_eig(double *A, size_t n, double *w);
/* Flips each row so that its entry of largest magnitude is positive. */
void soso__canonical_signs(float *W, size_t rows, size_t cols);
/* Modified Gram-Schmidt with re-orthogonalisation; a row dependent on those before it is
 * redrawn from rng (so the result always has orthonormal rows). */
SOSO__MUST_USE soso_status soso__orthonormalize_rows(float *Q, size_t rows, size_t cols, soso__rng *rng);
/* The k leading right singular vectors of X as the rows of U (k x cols(X)). */
SOSO__MUST_USE soso_status soso__lsa(const soso_docs *X, size_t k, uint64_t seed, int threads, float *U);
/* X^T as a new CSR matrix (cols(X) rows). */
SOSO__MUST_USE soso_status soso__docs_transpose(const soso_docs *X, soso_docs **out);

/* ---- Selection ------------------------------------------------------------------- */

/* mode: 0 by value, 1 by |value|, -1 by -value. True when entry i beats entry j: a larger
 * key, or an equal key and a lower index. */
int soso__beats(const float *a, int mode, uint32_t i, uint32_t j);
/* The min(k, n) strongest entries of a[0..n) into out, strongest first. */
size_t soso__top_indices(const float *a, size_t n, size_t k, int mode, uint32_t *out);
/* Sets every entry but the k strongest to `fill`. */
SOSO__MUST_USE soso_status soso__topk_fill(float *a, size_t n, size_t k, int mode, float fill);
/* The same with the caller's room for k indices (n <= 2^32 - 1): it cannot fail, so a
 * loop over documents allocates once, not once a document. */
void soso__topk_fill_in(float *a, size_t n, size_t k, int mode, float fill, uint32_t *top);
/* Entropy (nats) of a probability vector. */
double soso__entropy(const float *p, size_t n);

/* ---- Stop words ------------------------------------------------------------------- */

int soso__is_builtin_stop_word(const char *word);
size_t soso__builtin_stop_word_count(void);

/* ---- Object layouts ---------------------------------------------------------------- */

struct soso_vocab {
    soso_text_options options;
    soso__strmap words; /* slot == word index */
    uint64_t *df;       /* size words.count   */
    uint64_t n_docs;
};

/* Checks text options; NULL or a reason. */
const char *soso__text_options_check(const soso_text_options *o);
/* A vocabulary from words in their final order (copied), with document frequencies. */
SOSO__MUST_USE soso_status soso__vocab_from_words(const soso_text_options *options, const char *const *words, const size_t *lens,
                                   const uint64_t *df, size_t n, uint64_t n_docs, soso_vocab **out);
SOSO__MUST_USE soso_status soso__vocab_clone(const soso_vocab *v, soso_vocab **out);

struct soso_docs {
    size_t rows, cols;
    size_t *indptr;      /* rows + 1          */
    uint32_t *indices;   /* nnz               */
    float *values;       /* nnz               */
    size_t cap_rows, cap_nnz;
};
/* For the library's own rows (sorted, distinct, in range): room for `rows` and `nnz`
 * more first, then each row appended without the public call's copy, sort and checks
 * (its values are still checked finite). */
SOSO__MUST_USE soso_status soso__docs_reserve(soso_docs *d, size_t rows, size_t nnz);
/* The words of d's longest row. */
size_t soso__docs_longest(const soso_docs *d);
SOSO__MUST_USE soso_status soso__docs_push_sorted(soso_docs *d, size_t nnz, const uint32_t *idx, const float *val);

const char *soso__input_options_check(const soso_input_options *o);
/* NULL if soso_docs_expand's neighbors (0 = none here), gain and hops are valid, else why. */
const char *soso__expansion_check(size_t neighbors, float gain, unsigned hops);

/* Tokenizes text against vocab and builds the weighted (and normalised) sparse vector
 * in caller-provided scratch: idx/val get *nnz entries sorted by index. The scratch is
 * grown as needed. */
typedef struct soso__text_vec {
    uint32_t *idx;
    float *val;
    size_t nnz, cap;
    size_t known, unknown;
} soso__text_vec;
SOSO__MUST_USE soso_status soso__text_vec_build(soso__text_vec *tv, const soso_vocab *vocab, const soso_input_options *input,
                                 const char *text, size_t len);
void soso__text_vec_free(soso__text_vec *tv);

/* ---- Team tuning (team_tuner.c) ------------------------------------------------------
 * Training's team cap (per mini-batch; osc's per group of documents), chosen by timing:
 * candidates are the caller's threads and halvings of it down to 1; each runs
 * SOSO__TUNE_TURN batches in turn, for SOSO__TUNE_ROUNDS rounds (so that a change of the
 * machine's speed meets all of them), and the fastest per unit of work (a batch's words
 * and documents) is kept for SOSO__TUNE_SETTLED batches before the next probe. Results
 * never depend on it (any team gives the same bits); only the time does. */
#define SOSO__TUNE_MAX 8
#define SOSO__TUNE_TURN 16
#define SOSO__TUNE_ROUNDS 4
#define SOSO__TUNE_SETTLED 2048
typedef struct soso__tuner {
    int cand[SOSO__TUNE_MAX], n; /* team caps to try, largest first                   */
    int turn;                    /* the probe's turn (candidate turn % n), -1: settled  */
    int best;                    /* the settled candidate                               */
    int fixed;                   /* 1: the caller's threads only (no probing)           */
    uint32_t left;               /* batches left in this turn, or until the next probe  */
    double secs[SOSO__TUNE_MAX], work[SOSO__TUNE_MAX];
} soso__tuner;
void soso__tuner_init(soso__tuner *t, int threads, int fixed);
/* A model's tuner for a training call: kept as it is (so one call an epoch goes on
 * tuning) unless new or the threads or the fixed flag changed, then set up anew. */
void soso__tuner_use(soso__tuner *t, int threads, int fixed);
/* The team cap for the next batch. */
int soso__tuner_cap(const soso__tuner *t);
/* Batches before the cap may change (at least 1). */
uint32_t soso__tuner_left(const soso__tuner *t);
/* The last batch took `seconds` for `work` (its documents' words). */
void soso__tuner_record(soso__tuner *t, double seconds, double work);

struct soso_model {
    soso_learner learner;
    soso_vocab *vocab;
    soso_input_options input;
    soso_hebbian_params hebbian; /* valid when learner == SOSO_LEARNER_HEBBIAN */
    soso_osc_params osc;         /* valid when learner == SOSO_LEARNER_OSC     */
    soso_soft_params soft;       /* valid when learner == SOSO_LEARNER_SOFT    */
    float *inhibitor;            /* soft: units floats, the running mean activation */
    size_t units, cols;
    float *W;             /* units x cols */
    uint32_t epochs_done; /* completed epochs                                */
    uint64_t epoch_pos;   /* documents done in the unfinished epoch          */
    uint64_t docs_seen;   /* documents processed over all training           */
    uint64_t train_rows;  /* documents in the corpus of the current epoch    */
    uint32_t osc_reorth_every, osc_since_reorth; /* OSC fast path's re-orthonormalisation */
    /* Steps a training call owed when it failed (out of memory) after a batch's update,
     * or osc's after its last epoch: the next call does them first, so training goes on
     * as an uninterrupted run would have (saved in the optional section DUE). */
    uint32_t orth_due;            /* 1: the symmetric orthogonalisation of an orth point;
                                   * osc: the finish of its last epoch */
    float penalty_due;            /* soft: the orthogonality penalty step of that size (0: none) */
    uint64_t seg_first, seg_rows; /* a stop inside a segment: the segment's documents, so that
                                   * only the same segment resumes it (rows 0: none)   */
    uint32_t expand_neighbors;    /* the expansion its training documents get (0: none) */
    float expand_gain;
    uint32_t expand_hops;         /* 1 or 2 (0 with no expansion) */
    /* What the planned training started on (saved in the optional section SRC while the
     * plan is unfinished): resuming it on other documents or another file is refused. */
    uint32_t source_kind;         /* SOSO__SOURCE_DOCS, SOSO__SOURCE_FILE, or 0: not yet known */
    uint64_t source_rows, source_hash;
    uint64_t source_seen;         /* docs_seen when it was taken: equal, nothing trained on it
                                   * yet, so another call may take it anew (not saved) */
    soso__tuner tuner;            /* the mini-batch loop's team (not saved; zero: untuned) */
    int fixed_team;               /* 1: no tuning, teams of the caller's threads (not saved) */
    uint64_t grouped_batches;     /* Hebbian and soft batches run back to back in one region (tests) */
};

/* The epochs the learner plans in all, and the seed of its shuffles. */
uint32_t soso__planned_epochs(const soso_model *m);
uint64_t soso__learner_seed(const soso_model *m);
/* SOSO_E_ARG when the model stopped mid-epoch on an epoch of other than `rows` documents. */
SOSO__MUST_USE soso_status soso__check_epoch_rows(const soso_model *m, uint64_t rows);

/* ---- Fingerprints of what a training started on (fingerprint.c) -------------------- */

enum { SOSO__SOURCE_DOCS = 1, SOSO__SOURCE_FILE = 2 };
#define SOSO__FINGERPRINT_START 0xCBF29CE484222325ull /* FNV-1a's offset basis */
uint64_t soso__fingerprint_bytes(uint64_t h, const void *p, size_t n);
uint64_t soso__fingerprint_u64(uint64_t h, uint64_t v);
uint64_t soso__fingerprint_docs(const soso_docs *d);
/* A streamed file's fingerprint: its lines' text (without a byte order mark or "\r"). */
uint64_t soso__stream_fingerprint(const soso_stream *s);
/* Takes the source of a training about to run (kind, rows, hash) when the model has none
 * or has trained nothing on it; else SOSO_E_ARG when the same kind of source differs. */
SOSO__MUST_USE soso_status soso__check_source(soso_model *m, uint32_t kind, uint64_t rows, uint64_t hash);

/* A model with allocated, uninitialised weights and a copy of vocab. */
SOSO__MUST_USE soso_status soso__model_alloc(soso_learner learner, const soso_vocab *vocab, size_t units, soso_model **out);

/* ---- Scores (scorer.c) -------------------------------------------------------------- */

/* Scores of one sparse vector against every unit of W (H x V):
 * out[h] = sum_j sign(W_hj)|W_hj|^(p-1) x_j, accumulated in double. */
void soso__unit_scores(const float *W, size_t H, size_t V, float p, size_t nnz, const uint32_t *idx,
                       const float *val, float *out);
/* The same from W transposed (V x H), the same bits; then times scale[h] (when not
 * NULL) in double. */
void soso__scores_transposed(const float *WT, size_t H, float p, size_t nnz, const uint32_t *idx, const float *val,
                             const double *scale, float *out);
/* Its AVX-512 version for p = 2 and 3 (scores_avx512.c), taken where
 * soso__avx512_enabled(): the same sums in the same order, so the same bits. */
void soso__scores_transposed_avx512(const float *WT, size_t H, float p, size_t nnz, const uint32_t *idx,
                                    const float *val, const double *scale, float *out);
/* The exponent a model scores with: p of the Hebbian rule, 2 (a = W x) otherwise. */
float soso__score_power(const soso_model *m);

/* Scores of many documents against a model: reads a transposed copy of W when the
 * documents hold at least as many words as the vocabulary, else W (also when memory for
 * the copy is short or it would exceed 512 MiB). Read-only after init: threads may share
 * one. */
typedef struct soso__scorer {
    const float *W;
    float *WT;
    size_t H, V;
    float p;
    size_t overflow_row; /* the lowest row whose scores overflowed a float (SIZE_MAX: none) */
} soso__scorer;
void soso__scorer_init(soso__scorer *s, const soso_model *m, const soso_docs *docs);
/* The scores of row r of docs (the documents given to init or others like them). A row
 * whose values are too large for the weights scores inf: noted, for soso__scorer_end. */
void soso__scorer_row(soso__scorer *s, const soso_docs *docs, size_t r, float *out);
/* Frees the scorer; SOSO_E_NUMERIC, naming the document, when a row it scored overflowed.
 * Documents from text cannot (their values are bounded); rows a caller appends with huge
 * values can. */
SOSO__MUST_USE soso_status soso__scorer_end(soso__scorer *s);

/* ---- Corpus internals (corpus.c) ---------------------------------------------------- */

/* True when s[0..n) is valid UTF-8 (the tokenizer's rules). */
int soso__utf8_valid(const unsigned char *s, size_t n);
/* A corpus over data (len bytes plus one spare byte for a final NUL), which it takes
 * over even on failure; limits may be NULL for the defaults. */
/* 3 where text starts with a UTF-8 byte order mark (not text: a file's first label or
 * word kept it), else 0. */
static inline size_t soso__bom_length(const char *p, size_t n)
{
    return n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF ? 3 : 0;
}
SOSO__MUST_USE soso_status soso__corpus_adopt(char *data, size_t len, const soso_corpus_limits *limits, int file_start,
                               soso_corpus **out);

/* ---- Competitive mini-batches (competitive.c, lazy_update.c, batch_loop.c) --------- */

/* A mini-batch of a competitive learner: scores I (B x H) of the documents against every
 * unit, then per document up to E gate entries (unit, g) set by the learner, then the
 * update W_h += c (sum_b g_hb x_b - xx_h W_h), xx_h = sum_b g_hb I_hb (soso__batch
 * below holds its workspace). */

/* A touched unit's position in the batch and an estimate of its update's work. */
struct soso__job {
    double work;
    uint32_t t;
};

#define SOSO__CLAIM_PAD 32 /* claim marks between two threads' groups: a 128-byte line */
#define SOSO__LAZY_BLOCK 64 /* entries per block of the lazy update's row maxima */

/* A batch's update plan: which units changed, where their supports go in the arena,
 * and the order and groups in which threads take them. Worked out once, or by every
 * thread of a team into its own copy (the same values: no barrier, no shared line). */
typedef struct soso__plan {
    size_t n_touched;
    size_t atotal;         /* the supports' stretches in all                      */
    uint32_t *touched;     /* H: the units with entries, ascending               */
    size_t *aoff;          /* H: each touched unit's stretch of the arena         */
    uint32_t *order;       /* H: touched positions, largest update first          */
    struct soso__job *jobs; /* H: scratch for order (many units)                   */
    uint32_t *group;       /* H: touched units by the thread that applied each last */
    size_t *gstart;        /* threads + 1: each thread's group in group           */
    size_t *gfill;         /* threads                                             */
    int arena;             /* the batch's arena: which of w's two                 */
    uint32_t round;        /* the batch's support marks' round (w->round when planned:
                            * without the normaliser's barriers the first thread may
                            * step w->round while others still gather)             */
    void *mem;             /* what the arrays are carved from                     */
} soso__plan;

/* A document's fixed cost in the scores, in words (its gate: ~60 ns, a few words' worth):
 * a batch's cost prefix (soso__batch's cum) counts each document's words plus this. */
#define SOSO__DOC_COST 4

/* A unit's state in the lazy update, one per unit, 128 bytes apart so that threads
 * writing their own units' never share a cache line. */
typedef struct soso__unit_step {
    double msup;           /* max |ds_hj| over the support (a lower bound), this batch */
    float upper;           /* an upper bound on max |ds_hj|, this batch            */
    float exact;           /* max |ds_hj| exactly, where the bound needed it       */
    float rmax;            /* max |W^_hj| over the row (kept across batches)       */
    uint32_t asize;        /* the support's size, this batch                       */
    unsigned char omax_ok; /* whether omax holds this batch's maxima               */
    char pad[128 - 8 - 3 * 4 - 4 - 1];
} soso__unit_step;

typedef struct soso__batch {
    size_t H, V, B, E;
    int threads;          /* buffers are sized for this many                       */
    int cap;              /* teams take at most this many (<= threads; the tuner's) */
    int diverged;         /* a score came out NaN or infinite (the batch's scores)  */
    float *I;             /* B x H                                               */
    uint32_t *ent_unit;   /* B x E: gate entries, set by the learner             */
    float *ent_g;         /* B x E                                               */
    uint32_t *ent_n;      /* B: entries used per document                        */
    double *xx;           /* H                                                   */
    /* The gate entries grouped by unit in shares of the batch, share t (documents
     * [b0, b1)) in list_b/g [E b0, E b1): unit h's at tbeg[t hpad + h], tcnt[...] of
     * them, in batch order. Unit h's entries are share 0's, then share 1's, ... Each
     * share's rows are hpad apart (>= H + 32: no two shares' entries share a line). */
    int nshare;
    size_t hpad;
    uint32_t *tbeg;       /* threads x hpad                                       */
    uint32_t *tcnt;       /* threads x hpad                                       */
    size_t *twords;       /* threads x hpad: the words of those entries' documents */
    uint32_t *twins;      /* threads x hpad: documents with a word won (first entry) */
    uint32_t *list_b;     /* B x E: batch positions                               */
    float *list_g;        /* B x E: gate values                                   */
    soso__plan *plans;    /* threads: the update's plan, one copy per thread      */
    float *rowmax;        /* H                                                   */
    size_t *cum;          /* 2 (B + 1): the last batch's cost prefix; batches run
                           * back to back take the halves in turns                 */
    size_t *slice_words;  /* threads x 16: each thread's slice of the next batch's
                           * words (soso__batch_steps)                               */
    /* The lazy update's hand-out (the plans' groups): per position a claim mark, each
     * group's marks SOSO__CLAIM_PAD marks (128 bytes) apart from the next's. */
    uint32_t *owner;      /* H: the thread that applied each unit last            */
    uint32_t *claims;     /* nclaims = H + threads x SOSO__CLAIM_PAD              */
    size_t nclaims;
    uint32_t claim_mark;  /* advances by 3 a batch (one per phase)                */
    size_t vpad;          /* per-thread stride of buf and stamp (>= V)            */
    float *buf;           /* threads x vpad, all zero between uses               */
    unsigned long long team_mask; /* thread ids that worked in the last batch   */
    int update_team;              /* the team the last lazy update was planned for (tests) */
    /* Lazy scaling (soso__batch_lazy): during training W = alpha W^ row by row, so a
     * row's scaling costs O(1) and an update touches only its support. */
    double *alpha;        /* H, or NULL: W is plain                               */
    double alpha_lim;     /* alpha is folded into W^ once outside [1/lim, lim]    */
    double *ascale;       /* threads x hpad: what alpha does to a score (each thread
                           * works out its own copy in a batch)                   */
    float *bmax;          /* H x nblk: max |W^| per block of 64 entries, or a bound
                           * on it where bstale says so                           */
    unsigned char *bstale; /* H x nblk: 1 where bmax is only an upper bound        */
    soso__unit_step *us;  /* H                                                    */
    float *omax;          /* H x nblk: a block's max without the batch's support,
                           * where a support word may hold its maximum            */
    size_t bpad;          /* per-thread stride of bscr, blk and bfl (> nblk)     */
    float *bscr;          /* threads x bpad: per-block scratch                    */
    float *fold;          /* 8 x H: the row scales repeated, for folding WT       */
    float *WT;            /* V x H: W^ transposed, so a word's weights for every
                           * unit are adjacent when scoring (lazy mode only)       */
    size_t nblk;
    uint32_t *stamp;      /* threads x vpad: support marks                        */
    unsigned char *blk;   /* threads x bpad: blocks a support touches            */
    uint32_t *bfl;        /* threads x bpad: the flagged blocks, once each (nblk + 1) */
    uint32_t round;       /* changes every batch, so old marks never match        */
    /* A batch's supports, kept between the lazy update's phases: unit h's words and
     * sums s_j at arena_j / arena_s [aoff[h], aoff[h] + asize[h]) of the plan's arena,
     * one of two: batches run back to back in one region take turns, so that the next
     * one's arena grows while the last one's is still read. */
    uint32_t *arena_j[2];
    float *arena_s[2];
    size_t acap_j[2], acap_s[2]; /* their capacities                             */
    double work;          /* the cost prefixes' totals of the last soso__batch_steps */
    uint64_t grouped;     /* batches run back to back in one region so far (tests) */
    size_t longest;       /* the training documents' longest (words; 0: not known), set
                           * by soso__run_batches */
    soso__barrier bar;    /* the barrier between a team's phases of its batches    */
} soso__batch;

SOSO__MUST_USE soso_status soso__batch_init(soso__batch *w, size_t H, size_t V, size_t B, size_t E, int threads);
void soso__batch_free(soso__batch *w);
/* A learner's gate for document b of the batch, from its scores w->I[b H ..]: sets that
 * document's entries only, so documents may be gated in parallel. */
typedef void (*soso__gate_fn)(soso__batch *w, size_t b, const void *ctx);
/* w->I for the n documents rows[0..n) (n <= B), then gate(w, b, ctx) for each when gate
 * is not NULL (inside the same parallel loop). */
void soso__batch_scores(soso__batch *w, const float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                        soso__gate_fn gate, const void *ctx);
/* The update; normalize: c = eps / max(max |ds|, prec) (Hebbian), else c = eps (Oja).
 * Sets *touched (when not NULL) to how many units changed. */
SOSO__MUST_USE soso_status soso__batch_update(soso__batch *w, float *W, const soso_docs *X, const uint32_t *rows, size_t n, float eps,
                               int normalize, float prec, size_t *touched);
/* soso__batch_scores, then soso__batch_update normalised, then, when wins is not NULL,
 * wins[h]++ for each document with a word whose first gate entry is unit h: the same
 * results. With lazy scaling and scores on a team it is one parallel region: each
 * thread groups its share's entries by unit and works out the update's plan itself. */
SOSO__MUST_USE soso_status soso__batch_step(soso__batch *w, float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                             soso__gate_fn gate, const void *ctx, float eps, float prec, uint64_t *wins,
                             size_t *touched);
/* What a learner other than the Hebbian one adds to soso__batch_steps. */
typedef struct soso__batch_hooks {
    int normalize; /* the step normalised (Hebbian's c = eps / max |ds|) or not (Oja's c = eps) */
    /* Batch i, n documents at rows, is next: called once, before its scores start on any
     * thread (the gate's context for it). */
    void (*next)(void *user, size_t i, const uint32_t *rows, size_t n);
    /* Batch i's scores and gates are all done: called once, while the update runs (its
     * entries and scores are read only), before batch i + 1's next. */
    void (*gated)(void *user, size_t i, const uint32_t *rows, size_t n);
    float (*eps)(void *user, size_t n); /* the step of a batch of n documents */
    void *user;
} soso__batch_hooks;
/* soso__batch_step for k mini-batches: batch i is rows + i B, of B documents, the last of
 * n_last. On a team with lazy scaling all in one parallel region (a barrier between
 * batches, not a fork and join each). Stops after a batch whose scores were not finite
 * (w->diverged), or with the status of an arena that could not grow; *done: the batches
 * that ran; w->work: their cost prefixes' total; *touched: the last batch's. gate must
 * not be NULL (it sets the entries). hooks NULL: the Hebbian rule (normalised, eps for
 * every batch). */
SOSO__MUST_USE soso_status soso__batch_steps(soso__batch *w, float *W, float p, const soso_docs *X, const uint32_t *rows, size_t k,
                              size_t B, size_t n_last, soso__gate_fn gate, const void *ctx, float eps, float prec,
                              uint64_t *wins, size_t *done, size_t *touched, const soso__batch_hooks *hooks);
int soso__popcount64(unsigned long long x);
/* Switches the batch to lazy scaling of W's rows (W must not change behind its back). */
SOSO__MUST_USE soso_status soso__batch_lazy(soso__batch *w, const float *W);
/* Folds the row scales into W (W is then plain again, the scales 1). */
void soso__batch_fold(soso__batch *w, float *W);
/* Set by tests to compare lazy and dense updates; 0 in normal use. */
extern int soso__lazy_disabled;

/* ---- Between the batch steps (competitive.c) and the lazy update (lazy_update.c). */

/* A hint to load memory that will be read soon (nothing where the compiler has none). */
#if defined(__GNUC__) || defined(__clang__)
#define SOSO__PREFETCH(p) __builtin_prefetch(p)
#else
#define SOSO__PREFETCH(p) ((void)(p))
#endif

/* The stride of a per-thread scratch array of n elements (of up to 4 bytes): n rounded
 * up to 32 and 32 more, so that the used parts of two threads' stretches are at least
 * 128 bytes apart however the array is aligned. Threads flag blocks, mark words and
 * scatter sums in their own stretch for every support word; where two shared a line
 * the update ran a third slower per word on 2 threads than on 1. */
static inline size_t soso__per_thread_stride(size_t n)
{
    return ((n + 31) & ~(size_t)31) + 32;
}

/* Unit h's entries in share t of the grouping: list positions [*e0, return). The loops
 * over a unit's entries run over the shares in turn: batch order. */
static inline uint32_t soso__share_entries(const soso__batch *w, int t, size_t h, uint32_t *e0)
{
    size_t i = (size_t)t * w->hpad + h;
    *e0 = w->tbeg[i];
    return w->tbeg[i] + w->tcnt[i];
}

/* xx_h = sum_b g_hb I_hb over unit h's entries in batch order. */
double soso__unit_xx(const soso__batch *w, size_t h);
/* Frees the lazy-scaling workspace (W is plain again). */
void soso__lazy_free(soso__batch *w);
/* The lazy update's plan for a team, after its touched units (pl->touched), its
 * supports in arena `buf` (0 or 1). */
void soso__plan_update(const soso__batch *w, soso__plan *pl, int team, int buf);
/* Room in the supports' arena `buf` for `need` words and sums. */
SOSO__MUST_USE soso_status soso__reserve_arena(soso__batch *w, int buf, size_t need);
/* The claim marks of `batches` lazy updates: batch i's three phases take mark + 3 i,
 * +1, +2 (returns mark). */
uint32_t soso__phase_marks(soso__batch *w, size_t batches);
/* The lazy update's phases on thread tid of a team, from plan pl (every thread of the
 * team calls it; with normalize it has barriers). */
void soso__lazy_phases(soso__batch *w, const soso__plan *pl, float *W, const soso_docs *X, const uint32_t *rows,
                       float eps, int normalize, float prec, uint32_t mark, int tid, int team);
/* After a lazy update with marks of `round`, thread tid's part (of a team of nt, every
 * thread after its phases; the phases take the round from their plans): when the marks wrap,
 * its share of the threads' stamps cleared; thread 0 sets w->round to the next round. */
void soso__lazy_next_round(soso__batch *w, uint32_t round, int tid, int nt);
/* The lazy update after a serial grouping (one share): one plan, the phases on a team. */
SOSO__MUST_USE soso_status soso__lazy_update(soso__batch *w, float *W, const soso_docs *X, const uint32_t *rows, float eps,
                              int normalize, float prec);

/* What a mini-batch learner tells the shared epoch loop. *applied: whether the batch's
 * update is in W (so that it counts), also where the status is an error. */
typedef soso_status (*soso__batch_fn)(void *ctx, const uint32_t *rows, size_t n, uint32_t epoch, int *applied);
/* What one training call covers. whole: every planned epoch over docs. Otherwise one
 * segment: docs are the rows [first, first + rows) of an epoch of `total` documents read
 * from a stream; the call makes one pass over them (shuffled within the segment) and
 * returns. A whole epoch is the segment with first 0, so both shuffle alike. */
typedef struct soso__span {
    int whole;
    uint64_t first, total;
} soso__span;

/* The shuffle stream of one segment of an epoch (first 0: the whole epoch). */
#define SOSO__SHUFFLE_STREAM(epoch, first) (SOSO__STREAM_SHUFFLE_BASE + (uint64_t)(epoch) + ((uint64_t)(first) << 33))

typedef struct soso__schedule {
    uint32_t epochs;
    uint64_t seed;
    size_t batch;
    uint32_t orthogonalize_every; /* symmetric orthogonalisation every N batches and at the end */
    int threads;
    soso__batch *w;               /* its lazy scales are folded at every stop point */
    uint64_t *wins;               /* units: wins in the running epoch, kept by fn */
    const unsigned long long *team_mask; /* threads that worked in the last batch */
    double (*temperature)(const soso_model *m); /* for the progress report, or NULL */
    /* k batches back to back (batch i at rows + i batch, the last of n_last documents),
     * or NULL: one at a time through fn. *ran: how many ran (fewer where one's scores
     * were not finite); w->work: their cost prefixes' total. */
    soso_status (*many)(void *ctx, const uint32_t *rows, size_t k, size_t batch, size_t n_last, uint32_t epoch,
                        size_t *ran);
} soso__schedule;

/* Mini-batches between stop points of the epoch loop: 25,600 documents at the default
 * batch of 100, a few hundredths of a second here. Each one folds the lazy row scales
 * into W and its transposed copy (2 H V multiplies), which at 64 took 7% of a Hebbian
 * epoch on wn-nouns at 26 units (perf) and at 256 a quarter of that. */
#define SOSO__STOP_EVERY 256

/* The epoch loop of mini-batch learners: per epoch a shuffle from (seed, epoch), batches
 * from the model's position on (so a stopped run resumes exactly), position and document
 * counts, orthogonalisation, and progress and a stop asked for at the stop points. Runs
 * batches through sc->many where set (fn may then be NULL), else one at a time through
 * fn. */
SOSO__MUST_USE soso_status soso__run_batches(soso_model *m, const soso_docs *docs, const soso__span *span, const soso__schedule *sc,
                              soso__batch_fn fn, void *ctx, soso_progress_fn progress, void *user);
/* The order of an epoch's documents (or a segment's, starting at row first of it): a
 * shuffle from (seed, epoch, first), so a stopped run resumes in the same order. */
void soso__epoch_order(uint32_t *perm, size_t n, uint64_t seed, uint32_t epoch, uint64_t first);
/* A training call's first progress report: its epochs and the documents it has left to
 * see (a whole run from the model's position, or the rest of one segment of rows). */
soso_progress soso__progress_begin(const soso_model *m, uint32_t epochs, const soso__span *span, size_t rows);
/* SOSO_E_NUMERIC "training diverged: WHAT; lower the learning rate ...". */
SOSO__MUST_USE soso_status soso__diverged(const char *what);
/* Beyond this a learner's weight has blown up (they stay near 1: rows of unit norm), and
 * W W^T, the scores' powers and every later command would overflow float: hebbian with
 * eps0 1e30 left weights finite but so large that the CLI wrote a model that eval and
 * health then refused. */
#define SOSO__WEIGHT_MAX 1e15f
/* The first of n weights that is not finite or beyond SOSO__WEIGHT_MAX (n if none): what
 * a model takes from outside (soso_model_set_weights, a model file), as training keeps
 * every weight within it. */
size_t soso__first_unusable_weight(const float *w, size_t n);
/* The weights a model may take from outside (soso_model_set_weights, a model file): the
 * above (SOSO_E_NUMERIC), and an OSC model's rows orthonormal (SOSO_E_ARG). */
SOSO__MUST_USE soso_status soso__check_weights(const soso_model *m, const float *w);
/* soso__diverged unless rows[0..n) of W (V columns; rows NULL: rows 0..n) are finite and
 * within SOSO__WEIGHT_MAX. */
SOSO__MUST_USE soso_status soso__check_rows(const float *W, size_t V, const uint32_t *rows, size_t n);
/* exp(entropy of the win frequencies): how many units really share the documents. */
double soso__effective_units(const uint64_t *wins, size_t units);

/* Largest k of the Hebbian rule (rank of the unit pushed away). */
#define SOSO__MAX_K 64

/* ---- Hebbian internals -------------------------------------------------------------- */

/* Units of rank 1 and rank k of one document's scores s[0..H) (ties: lower index first;
 * lose is UINT32_MAX for k = 1): the general loop, and the same choices by a faster
 * path for k = 2, except that NaN scores rank last there when at least two are not NaN
 * (with fewer the general loop decides); it sets s[win] aside while it works and puts
 * it back. */
void soso__rank_units_general(const float *s, size_t H, uint32_t k, uint32_t *win, uint32_t *lose);
void soso__rank_units(float *s, size_t H, uint32_t k, uint32_t *win, uint32_t *lose);
/* The fast path's AVX-512 version for 2 <= H <= 32 (rank_avx512.c), taken where
 * soso__avx512_enabled(): 0 where fewer than two scores are not NaN. */
int soso__top2_avx512(const float *s, size_t H, uint32_t *win, uint32_t *lose);
SOSO__MUST_USE soso_status soso__hebbian_train(soso_model *m, const soso_docs *docs, const soso__span *span, soso_progress_fn progress,
                               void *user);

/* ---- Soft competition internals ---------------------------------------------------------- */

SOSO__MUST_USE soso_status soso__soft_train(soso_model *m, const soso_docs *docs, const soso__span *span, soso_progress_fn progress,
                               void *user);
/* The temperature after `docs_seen` documents of training on `rows` documents. */
float soso__soft_temperature(const soso_soft_params *p, uint64_t docs_seen, uint64_t rows);
/* Units as random distinct non-empty documents (scaled to unit length). */
SOSO__MUST_USE soso_status soso__init_from_documents(float *W, size_t units, const soso_docs *docs, uint64_t seed);
/* Random unit-length rows. */
void soso__init_random_unit(float *W, size_t units, size_t cols, uint64_t seed);

/* ---- OSC internals -------------------------------------------------------------------- */

SOSO__MUST_USE soso_status soso__osc_init(soso_model *m, const soso_docs *init_docs);
/* The end of OSC training: re-orthonormalise (fast path) and make signs canonical. */
SOSO__MUST_USE soso_status soso__osc_finish(soso_model *m);
/* What a failed osc training call owes: a re-orthonormalisation that was due (its count
 * at or above the interval), and the finish of the last epoch (m->orth_due). */
SOSO__MUST_USE soso_status soso__osc_settle(soso_model *m, int threads);
/* A soft model's orthogonality penalty step owed (m->penalty_due), on threads. */
SOSO__MUST_USE soso_status soso__soft_settle(soso_model *m, int threads);
/* What a training call that failed owes (see orth_due), and paying it, with no
 * documents: every training call (dispatch), a stream or finish does it first. */
int soso__owes(const soso_model *m);
SOSO__MUST_USE soso_status soso__settle(soso_model *m);
SOSO__MUST_USE soso_status soso__osc_train(soso_model *m, const soso_docs *docs, const soso__span *span, soso_progress_fn progress,
                               void *user);

/* ---- Associative memory internals ------------------------------------------------------- */

struct soso_memory {
    soso_vocab *vocab;
    size_t n;                /* memories                                          */
    size_t *indptr;          /* n + 1                                             */
    uint32_t *words;         /* word ids, ascending per memory                    */
    size_t cap_indptr, cap_nnz, cap_label, cap_text;
    size_t *post_ptr;        /* V + 1: postings (word -> memories)                */
    uint32_t *post;
    uint32_t *colsum;        /* V: memories holding each word                     */
    uint32_t *by_colsum;     /* V: words by decreasing colsum                     */
    uint32_t max_colsum;
    double *xc;              /* n: sum of colsum over each memory's words         */
    uint64_t *hash;          /* n: hash of each pattern (to group identical ones) */
    char *strings;           /* labels and texts, NUL-terminated                  */
    size_t str_len, str_cap;
    size_t *label_off, *text_off; /* n: offsets into strings, SIZE_MAX = none      */
};

/* Rebuilds postings, column sums, words by column sum and hashes from the patterns. */
SOSO__MUST_USE soso_status soso__memory_index(soso_memory *m);
/* Appends one pattern (ascending ids) with its label and text (may be NULL). Call
 * soso__memory_index once after the last push. */
SOSO__MUST_USE soso_status soso__memory_push(soso_memory *m, const uint32_t *words, size_t n_words, const char *label,
                              size_t label_len, const char *text, size_t text_len);

/* Per-thread scratch of a recall: all zero between recalls. */
typedef struct soso__recall_scratch {
    uint32_t *score;     /* n: shared words with the query      */
    uint32_t *touched;   /* n                                    */
    double *p;           /* n: weights (first step: per touched position) */
    double *pm;          /* n: weights per memory (multi-step)   */
    double *q, *q2;      /* V: states                            */
    uint32_t *wlist;     /* V: words touched                     */
    unsigned char *wmark;/* V                                    */
} soso__recall_scratch;

SOSO__MUST_USE soso_status soso__recall_scratch_init(soso__recall_scratch *w, const soso_memory *m);
void soso__recall_scratch_free(soso__recall_scratch *w);
/* One recall with checked arguments and scratch: it cannot fail. */
void soso__recall(const soso_memory *m, soso__recall_scratch *w, const uint32_t *query, size_t nq,
                  const soso_recall_params *prm, soso_recall_result *res);

/* ---- Files ---------------------------------------------------------------------------- */

/* Writes len bytes to path through a temporary file in the same directory, fsync and
 * rename: the old file stays intact if anything fails. */
SOSO__MUST_USE soso_status soso__write_file_atomic(const char *path, const void *data, size_t len);
/* Reads a whole file ("-" = stdin) into a malloc'ed buffer (+1 NUL byte not counted). */
SOSO__MUST_USE soso_status soso__read_file(const char *path, char **data, size_t *len);

uint32_t soso__crc32(const void *data, size_t len);

/* ---- The SOSO file container (container.c) ------------------------------------------ */

typedef struct soso__wbuf soso__wbuf;
typedef struct soso__section {
    char tag[4];
    const unsigned char *p;
    size_t len;
} soso__section;

void soso__container_begin(soso__wbuf *b, const char magic[8], uint32_t version, uint32_t sections);
size_t soso__section_begin(soso__wbuf *b, const char tag[4]);
void soso__section_end(soso__wbuf *b, size_t at);
/* Appends the CRC and hands the buffer over (or frees it and fails if a write failed). */
SOSO__MUST_USE soso_status soso__container_end(soso__wbuf *b, void **data, size_t *len);
/* Checks magic, version, the section table's sizes and the CRC; lists the sections.
 * `kind` names the file in messages ("model", "memory"). */
SOSO__MUST_USE soso_status soso__container_open(const void *data, size_t len, const char magic[8], uint32_t max_version,
                                 const char *kind, soso__section *secs, size_t max_secs, size_t *n_secs);
const soso__section *soso__section_find(const soso__section *secs, size_t n, const char tag[4]);
/* The TEXT and VOCB sections. */
void soso__write_vocab_sections(soso__wbuf *b, const soso_vocab *v);
SOSO__MUST_USE soso_status soso__read_vocab_sections(const soso__section *secs, size_t n, const char *kind, soso_vocab **out);
/* Reads path and hands the bytes to load; errors get the path as a prefix. */
SOSO__MUST_USE soso_status soso__load_file(const char *path, soso_status (*load)(const void *, size_t, void **), void **out);

/* ---- Little-endian byte buffers for file formats ---------------------------------- */

struct soso__wbuf {
    unsigned char *data;
    size_t len, cap;
    int failed; /* an allocation failed: the buffer is unusable */
};

void soso__wbuf_bytes(soso__wbuf *b, const void *p, size_t n);
void soso__wbuf_u16(soso__wbuf *b, uint16_t v);
void soso__wbuf_u32(soso__wbuf *b, uint32_t v);
void soso__wbuf_u64(soso__wbuf *b, uint64_t v);
void soso__wbuf_f32(soso__wbuf *b, float v);
void soso__wbuf_f32s(soso__wbuf *b, const float *v, size_t n);
/* Overwrites a u64 at byte offset `at` (for section sizes known only at the end). */
void soso__wbuf_patch_u64(soso__wbuf *b, size_t at, uint64_t v);

typedef struct soso__rbuf {
    const unsigned char *data;
    size_t len, pos;
    int failed; /* a read ran past the end: every later read gives 0 */
} soso__rbuf;

void soso__rbuf_bytes(soso__rbuf *b, void *p, size_t n);
uint16_t soso__rbuf_u16(soso__rbuf *b);
uint32_t soso__rbuf_u32(soso__rbuf *b);
uint64_t soso__rbuf_u64(soso__rbuf *b);
float soso__rbuf_f32(soso__rbuf *b);
/* Reads n floats into dst (n*4 bytes must remain). */
void soso__rbuf_f32s(soso__rbuf *b, float *dst, size_t n);
size_t soso__rbuf_left(const soso__rbuf *b);

#endif /* SOSO_INTERNAL_H */
