/* safetensors: read and write Hugging Face .safetensors checkpoints.
 *
 * Format: an 8-byte little-endian header length N, N bytes of JSON
 * ({"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 * ..., "__metadata__": {str: str}}), then the tensor bytes; offsets are
 * relative to the start of the data and the tensors cover it exactly, with
 * no gap or overlap. Loading mmaps the file(s) read-only: tensor data
 * pointers stay valid until st_close. Every defect in a file is fatal
 * (pt_die, one line naming the file and what is wrong). */
#ifndef PT_SAFETENSORS_H
#define PT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { ST_F32, ST_F16, ST_BF16, ST_F64, ST_I64, ST_I32, ST_I16, ST_I8, ST_U8, ST_BOOL } st_dtype;

typedef struct {
	const char *name;
	st_dtype dtype;
	int ndim;
	int64_t shape[8];
	const void *data;   /* into the mmap; may be unaligned for its dtype */
	size_t nbytes;
} st_tensor;

typedef struct st_file st_file;

/* Opens a .safetensors file, or a model folder holding model.safetensors,
 * or model.safetensors.index.json (its "weight_map") plus the shards it
 * names. Dies with one clear line on a missing, truncated or corrupt file,
 * an unknown dtype, a tensor named twice, or an index that names a tensor
 * its shard lacks. Tensors are listed in name order. */
st_file *st_open(const char *path);
size_t st_count(const st_file *f);
const st_tensor *st_at(const st_file *f, size_t i);           /* i < st_count, name order */
const st_tensor *st_find(const st_file *f, const char *name); /* NULL if absent */
/* Unmaps everything; every st_tensor pointer becomes invalid. NULL is a no-op. */
void st_close(st_file *f);

/* The pages of the mapping that hold t's bytes leave this process's
 * resident memory (madvise MADV_DONTNEED; the file stays in the kernel's
 * page cache). t->data stays valid: reading it again faults the pages back
 * in. For a loader done with a tensor it has converted, so that a model is
 * not resident twice, as file pages and as floats, at the peak. */
void st_drop_pages(const st_tensor *t);

/* Product of the shape (1 for a scalar). */
size_t st_numel(const st_tensor *t);
/* A dtype's name as in the file ("F32", "BF16", ..). */
const char *st_dtype_name(st_dtype d);
/* Converts F32/F16/BF16/F64 elements to float32 (IEEE-exact for F16/BF16,
 * subnormals, inf and nan included; F64 rounds to nearest) into dst
 * [st_numel]. Dies for a non-float dtype. */
void st_to_f32(const st_tensor *t, float *dst);
/* IEEE half / bfloat16 bit patterns to float.
 * Exported for tests/unit/test_safetensors.c; st_to_f32 is their caller. */
float st_f16_to_f32(uint16_t h);
float st_bf16_to_f32(uint16_t b);

typedef struct {
	const char *name;
	st_dtype dtype;
	int ndim;
	int64_t shape[8];
	const void *data;   /* st_numel-many elements of dtype, little-endian */
} st_out;

/* Writes n tensors to path atomically (temp file beside it, fsync, rename,
 * fsync of the folder), byte for byte as Python's safetensors save_file
 * with metadata {"format":"pt"}: tensors laid out by dtype (the crate's enum
 * order, descending: F64 before F32 before F16..) then name, the JSON
 * padded with spaces to a multiple of 8 bytes. Same-dtype tensors (a
 * whole fp32 model) are thus in name order. Dies (leaving nothing behind) on a duplicate or empty name, a
 * bad shape, or a write error. */
void st_save(const char *path, const st_out *t, size_t n);

#endif
