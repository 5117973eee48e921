build2/obj/src/lib/engine/engine.o: src/lib/engine/engine.c \
 src/lib/engine/engine_pool_internal.h include/kolm/engine.h \
 include/kolm/err.h include/kolm/gguf.h include/kolm/quant.h \
 include/kolm/tokenizer.h include/kolm/types.h include/kolm/fp16.h \
 src/lib/quant/kernels_internal.h src/lib/engine/vec_internal.h
src/lib/engine/engine_pool_internal.h:
include/kolm/engine.h:
include/kolm/err.h:
include/kolm/gguf.h:
include/kolm/quant.h:
include/kolm/tokenizer.h:
include/kolm/types.h:
include/kolm/fp16.h:
src/lib/quant/kernels_internal.h:
src/lib/engine/vec_internal.h:
