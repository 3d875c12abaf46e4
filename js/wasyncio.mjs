// wasyncio.mjs: loads a wasyncio module (built with js/wasyncio-emcc.sh
// --page or --lib) into a page. stdout goes to opts.print (default
// console.log) and stderr to opts.printErr (default console.error, so task
// failures the runtime reports show up as console errors).
//
//   import { loadWasyncio } from './wasyncio.mjs';
//   const m = await loadWasyncio('./my_prog.mjs', { print: (s) => log(s) });
//   await m.waDone;                         // a program's main task ended
//   const v = await m.waCall('my_coroutine', { any: 'json' });  // WA_JS_EXPORT
//   const n = await m.waCall('my_value_coroutine', bytes);       // WA_JS_EXPORT_VALUE:
//                  // null, numbers, strings, bytes, no JSON (README, "JS awaits C")
export async function loadWasyncio(url, opts = {}) {
  const mod = await import(new URL(url, document.baseURI).href);
  const create = mod.default;
  return create({
    print: opts.print || ((s) => console.log(s)),
    printErr: opts.printErr || ((s) => console.error(s)),
    arguments: opts.arguments || [],
    ...opts.module,
  });
}
