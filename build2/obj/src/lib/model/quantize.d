build2/obj/src/lib/model/quantize.o: src/lib/model/quantize.c \
 include/kolm/quantize.h include/kolm/err.h include/kolm/quantplan.h \
 include/kolm/gguf.h include/kolm/model.h include/kolm/quant.h \
 include/kolm/types.h include/kolm/fp16.h include/kolm/util.h \
 src/lib/model/model_internal.h src/lib/model/quantplan_internal.h
include/kolm/quantize.h:
include/kolm/err.h:
include/kolm/quantplan.h:
include/kolm/gguf.h:
include/kolm/model.h:
include/kolm/quant.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:
src/lib/model/model_internal.h:
src/lib/model/quantplan_internal.h:
