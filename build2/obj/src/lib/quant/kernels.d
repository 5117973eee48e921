build2/obj/src/lib/quant/kernels.o: src/lib/quant/kernels.c \
 src/lib/quant/kernels_internal.h src/lib/quant/kernels_arm_internal.h \
 src/lib/quant/kernels_ref_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h src/lib/quant/kernels_x86_internal.h \
 src/lib/quant/quant_ref_internal.h
src/lib/quant/kernels_internal.h:
src/lib/quant/kernels_arm_internal.h:
src/lib/quant/kernels_ref_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:
src/lib/quant/kernels_x86_internal.h:
src/lib/quant/quant_ref_internal.h:
