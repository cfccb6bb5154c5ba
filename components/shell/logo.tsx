export function Logo({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true">
      <rect width="32" height="32" rx="8" className="fill-brand-600" />
      <path d="M9 20.5c1.6 1.5 3.8 2.3 6.6 2.3 3.3 0 5.6-1.5 5.6-4 0-5-11.2-2.9-11.2-8.4 0-2.4 2.2-4 5.4-4 2.3 0 4.2.6 5.6 1.8" fill="none" stroke="white" strokeWidth="2.6" strokeLinecap="round" />
      <circle cx="23" cy="9" r="2.2" className="fill-emerald-300" />
    </svg>
  );
}
