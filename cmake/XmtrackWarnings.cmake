# Warning flags for every xmtrack target: -Wall -Wextra, errors with XMTRACK_WERROR.
function(xmtrack_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wpointer-arith -Wformat=2
                         -Wstrict-prototypes -Wmissing-prototypes)
  if(XMTRACK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
