build2/obj/src/lib/quant/kernels_x86.o: src/lib/quant/kernels_x86.c \
 src/lib/quant/kernels_ref_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h src/lib/quant/kernels_x86_internal.h
src/lib/quant/kernels_ref_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:
src/lib/quant/kernels_x86_internal.h:
