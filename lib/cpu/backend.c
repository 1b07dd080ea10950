/* The CPU backend's op table. */
#include "backend.h"
#include "cpu/ops.h"

const pt_backend pt_cpu_backend = {
	.name = "cpu",
	.alloc = cpu_alloc,
	.release = cpu_release,
	.to_device = cpu_copy,
	.to_host = cpu_copy,
	.fill = cpu_fill,
	.fill_normal = cpu_fill_normal,
	.embedding_forward = cpu_embedding_forward,
	.embedding_backward = cpu_embedding_backward,
	.layernorm_forward = cpu_layernorm_forward,
	.layernorm_backward = cpu_layernorm_backward,
	.matmul_forward = cpu_matmul_forward,
	.matmul_backward = cpu_matmul_backward,
	.attention_forward = cpu_attention_forward,
	.attention_backward = cpu_attention_backward,
	.gelu_forward = cpu_gelu_forward,
	.gelu_backward = cpu_gelu_backward,
	.dropout_forward = cpu_dropout_forward,
	.dropout_backward = cpu_dropout_backward,
	.pooler_forward = cpu_pooler_forward,
	.pooler_backward = cpu_pooler_backward,
	.crossentropy_forward = cpu_crossentropy_forward,
	.crossentropy_backward = cpu_crossentropy_backward,
	.mse_forward = cpu_mse_forward,
	.mse_backward = cpu_mse_backward,
	.sumsq = cpu_sumsq,
	.scale = cpu_scale,
	.adamw_update = cpu_adamw_update,
};
