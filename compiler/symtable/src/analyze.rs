//! The second pass of `Python/symtable.c`: `symtable_analyze` decides the scope of every name.
//!
//! During analysis, the names are (as in CPython):
//! * symbols: dict mapping from symbol names to flag values (including offset scope values)
//! * scopes: dict mapping from symbol names to scope values (no offset)
//! * local: set of all symbol names local to the current scope
//! * bound: set of all symbol names local to a containing function scope
//! * free: set of all symbol names referenced but not bound in child scopes
//! * global: set of all symbol names explicitly declared as global

use pyc_ast::Location;

use crate::MAX_RECURSION_DEPTH;
use crate::error::{Result, SymtableError, SymtableErrorKind};
use crate::flags::*;
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::scope::{BlockType, ComprehensionType, Scope, ScopeId, SymbolMap};

type NameSet = FxHashSet<String>;
type Scopes = FxHashMap<String, u32>;

const DUNDER_CLASS: &str = "__class__";
const DUNDER_CLASSDICT: &str = "__classdict__";
const DUNDER_COND_ANNOTATIONS: &str = "__conditional_annotations__";

struct Analyzer<'a> {
    scopes: &'a mut [Scope],
    directives: &'a [Vec<(String, Location)>],
    depth: u32,
}

/// `symtable_analyze`.
pub(crate) fn symtable_analyze(
    scopes: &mut [Scope],
    directives: &[Vec<(String, Location)>],
    top: ScopeId,
) -> Result<()> {
    let mut a = Analyzer {
        scopes,
        directives,
        depth: 0,
    };
    let mut free = NameSet::default();
    let mut global = NameSet::default();
    let mut type_params = NameSet::default();
    a.analyze_block(top, None, &mut free, &mut global, &mut type_params, None)
}

impl Analyzer<'_> {
    fn sc(&self, id: ScopeId) -> &Scope {
        &self.scopes[id.index()]
    }

    fn sc_mut(&mut self, id: ScopeId) -> &mut Scope {
        &mut self.scopes[id.index()]
    }

    // CPython: symtable.c error_at_directive
    fn error_at_directive(&self, ste: ScopeId, name: &str, msg: String) -> SymtableError {
        match self.directives[ste.index()].iter().find(|(n, _)| n == name) {
            Some((_, loc)) => SymtableError::syntax(msg, *loc),
            None => SymtableError::internal("BUG: internal directive bookkeeping broken"),
        }
    }

    /// Decide on scope of name, given flags.
    ///
    /// The namespace dictionaries may be modified to record information about the new name. For
    /// example, a new global will add an entry to global. A name that was global can be changed
    /// to local.
    // CPython: symtable.c analyze_name
    #[allow(clippy::too_many_arguments)]
    fn analyze_name(
        &self,
        ste: ScopeId,
        scopes: &mut Scopes,
        name: &str,
        flags: u32,
        bound: Option<&mut NameSet>,
        local: &mut NameSet,
        free: &mut NameSet,
        global: &mut NameSet,
        type_params: &mut NameSet,
        class_entry: Option<ScopeId>,
    ) -> Result<()> {
        if flags & DEF_GLOBAL != 0 {
            if flags & DEF_NONLOCAL != 0 {
                return Err(self.error_at_directive(
                    ste,
                    name,
                    format!("name '{name}' is nonlocal and global"),
                ));
            }
            scopes.insert(name.to_owned(), GLOBAL_EXPLICIT);
            global.insert(name.to_owned());
            if let Some(bound) = bound {
                bound.remove(name);
            }
            return Ok(());
        }
        if flags & DEF_NONLOCAL != 0 {
            let Some(bound) = bound else {
                return Err(self.error_at_directive(
                    ste,
                    name,
                    "nonlocal declaration not allowed at module level".to_owned(),
                ));
            };
            if !bound.contains(name) {
                return Err(self.error_at_directive(
                    ste,
                    name,
                    format!("no binding for nonlocal '{name}' found"),
                ));
            }
            if type_params.contains(name) {
                return Err(self.error_at_directive(
                    ste,
                    name,
                    format!("nonlocal binding not allowed for type parameter '{name}'"),
                ));
            }
            scopes.insert(name.to_owned(), FREE);
            free.insert(name.to_owned());
            return Ok(());
        }
        if flags & DEF_BOUND != 0 {
            scopes.insert(name.to_owned(), LOCAL);
            local.insert(name.to_owned());
            global.remove(name);
            if flags & DEF_TYPE_PARAM != 0 {
                type_params.insert(name.to_owned());
            } else {
                type_params.remove(name);
            }
            return Ok(());
        }
        // If we were passed class_entry (i.e., we're in an ste_can_see_class_scope scope) and the
        // bound name is in that set, then the name is potentially bound both by the immediately
        // enclosing class namespace, and also by an outer function namespace. In that case, we
        // want the runtime name resolution to look at only the class namespace and the globals
        // (not the namespace providing the bound). Similarly, if the name is explicitly global in
        // the class namespace (through the global statement), we want to also treat it as a
        // global in this scope.
        if let Some(class_entry) = class_entry {
            let class_flags = self.sc(class_entry).symbols.flags(name);
            if class_flags & DEF_GLOBAL != 0 {
                scopes.insert(name.to_owned(), GLOBAL_EXPLICIT);
                return Ok(());
            } else if class_flags & DEF_BOUND != 0 && class_flags & DEF_NONLOCAL == 0 {
                scopes.insert(name.to_owned(), GLOBAL_IMPLICIT);
                return Ok(());
            }
        }
        // If an enclosing block has a binding for this name, it is a free variable rather than a
        // global variable. Note that having a non-NULL bound implies that the block is nested.
        if let Some(bound) = bound
            && bound.contains(name)
        {
            scopes.insert(name.to_owned(), FREE);
            free.insert(name.to_owned());
            return Ok(());
        }
        // If a parent has a global statement, then call it global explicit? It could also be
        // global implicit.
        scopes.insert(name.to_owned(), GLOBAL_IMPLICIT);
        Ok(())
    }

    // CPython: symtable.c is_free_in_any_child
    fn is_free_in_any_child(&self, entry: ScopeId, key: &str) -> bool {
        self.sc(entry)
            .children
            .iter()
            .any(|&c| self.sc(c).raw_scope(key) == FREE)
    }

    // CPython: symtable.c inline_comprehension
    fn inline_comprehension(
        &mut self,
        ste: ScopeId,
        comp: ScopeId,
        scopes: &mut Scopes,
        comp_free: &mut NameSet,
        inlined_cells: &mut NameSet,
    ) {
        let ste_type = self.sc(ste).block_type;
        let mut remove = Vec::new();
        for (k, comp_flags) in self.sc(comp).symbols.snapshot() {
            // skip comprehension parameter
            if comp_flags & DEF_PARAM != 0 {
                continue;
            }
            let mut scope = symbol_to_scope(comp_flags);
            let only_flags = comp_flags & FLAGS_MASK;
            if scope == CELL || only_flags & DEF_COMP_CELL != 0 {
                inlined_cells.insert(k.clone());
            }
            let existing = self.sc(ste).symbols.get(&k).map(|s| s.flags);
            // __class__, __classdict__ and __conditional_annotations__ are never allowed to be
            // free through a class scope (see drop_class_free), unless children scopes need them
            if scope == FREE
                && ste_type == BlockType::Class
                && matches!(
                    k.as_str(),
                    DUNDER_CLASS | DUNDER_CLASSDICT | DUNDER_COND_ANNOTATIONS
                )
            {
                scope = GLOBAL_IMPLICIT;
                if !self.is_free_in_any_child(comp, &k) {
                    comp_free.remove(&k);
                }
                remove.push(k.clone());
            }
            match existing {
                None => {
                    // name does not exist in scope, copy from comprehension
                    self.sc_mut(ste).symbols.set(&k, only_flags);
                    scopes.insert(k, scope);
                }
                Some(flags) => {
                    // Not in the 3.14 sources we read, but what CPython 3.14.10 does (oracle-
                    // verified): a name the comprehension uses from the enclosing function is
                    // marked used there too. Class scopes don't get it.
                    if scope == FREE && only_flags & USE != 0 && ste_type != BlockType::Class {
                        self.sc_mut(ste).symbols.set(&k, flags | USE);
                    }
                    if flags & DEF_BOUND != 0
                        && ste_type != BlockType::Class
                        && !self.is_free_in_any_child(comp, &k)
                    {
                        // free vars in comprehension that are locals in outer scope can now
                        // simply be locals, unless they are free in comp children, or if the
                        // outer scope is a class block
                        comp_free.remove(&k);
                    }
                }
            }
        }
        for k in remove {
            self.sc_mut(comp).symbols.remove(&k);
        }
    }

    /// Make final symbol table decisions for block of ste.
    ///
    /// * ste -- current symtable entry (input/output)
    /// * bound -- set of variables bound in enclosing scopes (input). bound is NULL for module
    ///   blocks.
    /// * free -- set of free variables in enclosed scopes (output)
    /// * globals -- set of declared global variables in enclosing scopes (input)
    // CPython: symtable.c analyze_block
    fn analyze_block(
        &mut self,
        ste: ScopeId,
        mut bound: Option<&mut NameSet>,
        free: &mut NameSet,
        global: &mut NameSet,
        type_params: &mut NameSet,
        class_entry: Option<ScopeId>,
    ) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_RECURSION_DEPTH {
            return Err(SymtableError::bare(
                SymtableErrorKind::RecursionError,
                "maximum recursion depth exceeded during compilation",
            ));
        }
        // collect new names bound in block
        let mut local = NameSet::default();
        // collect scopes defined for each name
        let mut scopes = Scopes::default();
        // Allocate new global, bound and free variable sets. These sets hold the names visible in
        // nested blocks. For ClassBlocks, the bound and global names are initialized before
        // analyzing names, because class bindings aren't visible in methods. For other blocks,
        // they are initialized after names are analyzed.
        let mut newglobal = NameSet::default();
        let mut newfree = NameSet::default();
        let mut newbound = NameSet::default();
        let mut inlined_cells = NameSet::default();

        let ste_type = self.sc(ste).block_type;
        let function_like = ste_type.is_function_like();
        let can_see_class_scope = self.sc(ste).can_see_class_scope;

        // Class namespace has no effect on names visible in nested functions, so populate the
        // global and bound sets to be passed to child blocks before analyzing this one.
        if ste_type == BlockType::Class {
            // Pass down known globals
            newglobal.extend(global.iter().cloned());
            // Pass down previously bound symbols
            if let Some(b) = bound.as_deref() {
                newbound.extend(b.iter().cloned());
            }
        }

        for (name, flags) in self.sc(ste).symbols.snapshot() {
            self.analyze_name(
                ste,
                &mut scopes,
                &name,
                flags,
                bound.as_deref_mut(),
                &mut local,
                free,
                global,
                type_params,
                class_entry,
            )?;
        }

        // Populate global and bound sets to be passed to children.
        if ste_type != BlockType::Class {
            // Add function locals to bound set
            if function_like {
                newbound.extend(local.iter().cloned());
            }
            // Pass down previously bound symbols
            if let Some(b) = bound.as_deref() {
                newbound.extend(b.iter().cloned());
            }
            // Pass down known globals
            newglobal.extend(global.iter().cloned());
        } else {
            // Special-case __class__ and __classdict__
            newbound.insert(DUNDER_CLASS.to_owned());
            newbound.insert(DUNDER_CLASSDICT.to_owned());
            newbound.insert(DUNDER_COND_ANNOTATIONS.to_owned());
        }

        // Recursively call analyze_child_block() on each child block.
        //
        // newbound, newglobal now contain the names visible in nested blocks. The free variables
        // in the children will be added to newfree.
        let children = self.sc(ste).children.clone();
        for entry in children {
            let new_class_entry = if self.sc(entry).can_see_class_scope {
                if ste_type == BlockType::Class {
                    Some(ste)
                } else {
                    class_entry
                }
            } else {
                None
            };
            // we inline all non-generator-expression comprehensions, except those in annotation
            // scopes that are nested in classes
            let inline_comp = self.sc(entry).comprehension != ComprehensionType::None
                && !self.sc(entry).generator
                && !can_see_class_scope;
            let mut child_free = self.analyze_child_block(
                entry,
                &newbound,
                &newfree,
                &newglobal,
                type_params,
                new_class_entry,
            )?;
            if inline_comp {
                self.inline_comprehension(
                    ste,
                    entry,
                    &mut scopes,
                    &mut child_free,
                    &mut inlined_cells,
                );
                self.sc_mut(entry).comp_inlined = true;
            }
            newfree.extend(child_free);
        }

        // Splice children of inlined comprehensions into our children list
        let old_children = std::mem::take(&mut self.sc_mut(ste).children);
        let mut spliced = Vec::with_capacity(old_children.len());
        for c in old_children {
            if self.sc(c).comp_inlined {
                spliced.extend(self.sc(c).children.iter().copied());
            } else {
                spliced.push(c);
            }
        }
        self.sc_mut(ste).children = spliced;

        // Check if any local variables must be converted to cell variables
        if function_like {
            analyze_cells(&mut scopes, &mut newfree, &inlined_cells);
        } else if ste_type == BlockType::Class {
            self.drop_class_free(ste, &mut newfree);
        }
        // Records the results of the analysis in the symbol table entry
        update_symbols(
            &mut self.sc_mut(ste).symbols,
            &scopes,
            bound.as_deref(),
            &newfree,
            &inlined_cells,
            ste_type == BlockType::Class || can_see_class_scope,
        )?;

        free.extend(newfree);
        self.depth -= 1;
        Ok(())
    }

    // CPython: symtable.c analyze_child_block
    fn analyze_child_block(
        &mut self,
        entry: ScopeId,
        bound: &NameSet,
        free: &NameSet,
        global: &NameSet,
        type_params: &NameSet,
        class_entry: Option<ScopeId>,
    ) -> Result<NameSet> {
        // Copy the bound/global/free sets.
        //
        // These sets are used by all blocks enclosed by the current block. The analyze_block()
        // call modifies these sets.
        let mut temp_bound = bound.clone();
        let mut temp_free = free.clone();
        let mut temp_global = global.clone();
        let mut temp_type_params = type_params.clone();
        self.analyze_block(
            entry,
            Some(&mut temp_bound),
            &mut temp_free,
            &mut temp_global,
            &mut temp_type_params,
            class_entry,
        )?;
        Ok(temp_free)
    }

    // CPython: symtable.c drop_class_free
    fn drop_class_free(&mut self, ste: ScopeId, free: &mut NameSet) {
        let s = self.sc_mut(ste);
        if free.remove(DUNDER_CLASS) {
            s.needs_class_closure = true;
        }
        if free.remove(DUNDER_CLASSDICT) {
            s.needs_classdict = true;
        }
        if free.remove(DUNDER_COND_ANNOTATIONS) {
            s.has_conditional_annotations = true;
        }
    }
}

/// If a name is defined in free and also in locals, then this block provides the binding for the
/// free variable. The name should be marked CELL in this block and removed from the free list.
///
/// Note that the current block's free variables are included in free. That's safe because no name
/// can be free and local in the same scope.
// CPython: symtable.c analyze_cells
fn analyze_cells(scopes: &mut Scopes, free: &mut NameSet, inlined_cells: &NameSet) {
    for (name, scope) in scopes.iter_mut() {
        if *scope != LOCAL {
            continue;
        }
        if !free.contains(name) && !inlined_cells.contains(name) {
            continue;
        }
        // Replace LOCAL with CELL for this name, and remove from free.
        *scope = CELL;
        free.remove(name);
    }
}

/// Enter the final scope information into the ste_symbols dict.
// CPython: symtable.c update_symbols
fn update_symbols(
    symbols: &mut SymbolMap,
    scopes: &Scopes,
    bound: Option<&NameSet>,
    free: &NameSet,
    inlined_cells: &NameSet,
    classflag: bool,
) -> Result<()> {
    // Update scope information for all symbols in this scope
    for (name, mut flags) in symbols.snapshot() {
        if inlined_cells.contains(&name) {
            flags |= DEF_COMP_CELL;
        }
        let Some(&scope) = scopes.get(&name) else {
            return Err(SymtableError::internal(format!(
                "KeyError: no scope for '{name}'"
            )));
        };
        flags |= scope << SCOPE_OFFSET;
        symbols.set(&name, flags);
    }

    // Record not yet resolved free variables from children (if any). CPython iterates a set
    // here (string-hash order); sorted order keeps this deterministic.
    let mut names: Vec<&String> = free.iter().collect();
    names.sort();
    for name in names {
        // Handle symbol that already exists in this scope
        if let Some(v) = symbols.get(name).map(|s| s.flags) {
            // Handle a free variable in a method of the class that has the same name as a local
            // or global in the class scope.
            if classflag {
                symbols.set(name, v | DEF_FREE_CLASS);
            }
            // It's a cell, or already free in this scope
            continue;
        }
        // Handle global symbol
        if let Some(bound) = bound
            && !bound.contains(name)
        {
            continue; // it's a global
        }
        // Propagate new free symbol up the lexical stack
        symbols.set(name, FREE << SCOPE_OFFSET);
    }
    Ok(())
}
