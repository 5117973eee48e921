build2/obj/src/lib/engine/vec_ref.o: src/lib/engine/vec_ref.c \
 src/lib/quant/kernels_ref_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h src/lib/engine/vec_ref_internal.h
src/lib/quant/kernels_ref_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:
src/lib/engine/vec_ref_internal.h:
