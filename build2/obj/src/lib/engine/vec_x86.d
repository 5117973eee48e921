build2/obj/src/lib/engine/vec_x86.o: src/lib/engine/vec_x86.c \
 src/lib/quant/kernels_ref_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h src/lib/engine/vec_ref_internal.h \
 src/lib/engine/vec_x86_internal.h src/lib/quant/kernels_x86_internal.h
src/lib/quant/kernels_ref_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:
src/lib/engine/vec_ref_internal.h:
src/lib/engine/vec_x86_internal.h:
src/lib/quant/kernels_x86_internal.h:
