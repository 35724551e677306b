# One INTERFACE target carries warnings, hardening and Qt's strictness defines.
# Every project target links it; third-party code never sees it.
add_library(fieldnotes_flags INTERFACE)
target_compile_options(fieldnotes_flags INTERFACE
    -Wall -Wextra -Wshadow -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual -Wformat=2
    -fstack-protector-strong)
target_compile_definitions(fieldnotes_flags INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_DISABLE_DEPRECATED_BEFORE=0x060400
    $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
target_link_options(fieldnotes_flags INTERFACE -Wl,-z,relro -Wl,-z,now)
if(FIELDNOTES_WERROR)
    target_compile_options(fieldnotes_flags INTERFACE -Werror)
endif()
if(FIELDNOTES_SANITIZE)
    target_compile_options(fieldnotes_flags INTERFACE
        -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(fieldnotes_flags INTERFACE -fsanitize=address,undefined)
endif()
